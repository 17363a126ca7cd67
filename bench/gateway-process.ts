/**
 * The gateway under test as the bench runs it: a config compiled into a bundle in its own folder, served
 * by `anyrouter serve` in a child process (bench/gateway-child.ts) with the node flags and environment the
 * shipped binary has. bench/gateway.ts and bench/fault-bench.ts start their gateways through here.
 */
import { readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { compile } from '../src/compiler/compile.js';
import { forkChild, freePort, type BenchChild } from './processes.js';
import { repoRoot } from './transpile.js';

/** The node flags the shipped `anyrouter` binary runs with (its `#!/usr/bin/env -S node ...` line): the gateway under test gets the same. */
const SHEBANG = readFileSync(path.join(repoRoot, 'bin/anyrouter.js'), 'utf8').split('\n')[0]!;
export const SHIPPED_NODE_FLAGS = (/^#!.*\bnode\b(.*)$/.exec(SHEBANG)?.[1] ?? '').trim().split(/\s+/).filter(Boolean);
/** The environment the shebang sets before node (`env -S NAME=value node ...`): the gateway under test gets it too. */
export const SHIPPED_ENV = Object.fromEntries([...(/^#!\S*env -S (.*?)\bnode\b/.exec(SHEBANG)?.[1] ?? '').matchAll(/(\w+)=(\S+)/g)].map((m) => [m[1]!, m[2]!]));

/** The variable a `postgres` gateway reads its request log's URL from (`logging.postgres.url`). */
export const BENCH_DATABASE_URL_ENV = 'BENCH_DATABASE_URL';

/**
 * `--logging`: the whole default pipeline (on), nothing (off), or one part alone: the config's `logging`;
 * `postgres` is `store` with the request log in PostgreSQL (at BENCH_DATABASE_URL_ENV) instead of SQLite.
 */
export const LOGGING: Readonly<Record<string, { enabled?: false; accessLog?: false; postgres?: { url: { env: string } } }>> = {
  on: {},
  off: { enabled: false, accessLog: false },
  store: { accessLog: false },
  access: { enabled: false },
  postgres: { accessLog: false, postgres: { url: { env: BENCH_DATABASE_URL_ENV } } },
};

/** The `logging` line of a config text for a `--logging` setting (nothing for the default pipeline). */
export function loggingConfigLine(logging: string): string {
  const config = LOGGING[logging];
  return config === undefined || Object.keys(config).length === 0 ? '' : `\n  logging: ${JSON.stringify(config)},`;
}

/** Where the gateway's code comes from: the bench's transpiled src/ (js), lib/, or src/ under tsx. */
export type GatewayFrom = 'js' | 'lib' | 'tsx';

export interface GatewayProcessOptions {
  name: string;
  /** The gateway's own folder: config, bundle, gateway.log (stdout and stderr) and its request log. */
  dir: string;
  /** The text of anyrouter.config.ts. */
  config: string;
  gatewayFrom: GatewayFrom;
  /** The transpiled tree (bench/transpile.ts) for `js`. */
  jsDir: string;
  /** Provider keys and anything else the gateway reads from its environment. */
  env: Record<string, string>;
  /** Node flags beyond the shipped ones and BENCH_GATEWAY_FLAGS (e.g. --cpu-prof). */
  nodeFlags?: string[];
  /** Extra `serve` arguments (e.g. `--workers 2`). */
  serveArgs?: string[];
}

/** Compiles the config into `dir` and serves it; resolves once the gateway answers HTTP. */
export async function startGatewayProcess(options: GatewayProcessOptions): Promise<BenchChild> {
  const { dir, jsDir, gatewayFrom } = options;
  await mkdir(dir, { recursive: true });
  const configFile = path.join(dir, 'anyrouter.config.ts');
  await writeFile(configFile, options.config);
  const compiled = await compile(configFile);
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (!compiled.bundle || !compiled.text || errors.length > 0) throw new Error(`the bench config does not compile: ${errors.map((d) => d.message).join('; ')}`);
  const bundleFile = path.join(dir, 'routing.json');
  await writeFile(bundleFile, compiled.text);
  const port = await freePort();
  const entry = { js: path.join(jsDir, 'src/cli/main.js'), lib: path.join(repoRoot, 'lib/cli/main.js'), tsx: path.join(repoRoot, 'src/cli/main.ts') }[gatewayFrom];
  return forkChild(options.name, gatewayFrom === 'tsx' ? path.join(repoRoot, 'bench/gateway-child.ts') : path.join(jsDir, 'bench/gateway-child.js'), {
    tsx: gatewayFrom === 'tsx',
    args: ['serve', '--bundle', bundleFile, '--host', '127.0.0.1', '--port', String(port), ...(options.serveArgs ?? [])],
    cwd: dir,
    env: { ...process.env, ...SHIPPED_ENV, ...options.env, NODE_ENV: 'production', BENCH_GATEWAY_ENTRY: pathToFileURL(entry).href },
    // stdout (the access log) goes to a file, as a deployment's would
    logFile: path.join(dir, 'gateway.log'),
    pollPort: port,
    // --expose-gc only lets the bench read the heap after a full GC; nothing else calls gc()
    nodeFlags: ['--expose-gc', ...SHIPPED_NODE_FLAGS, ...(process.env.BENCH_GATEWAY_FLAGS?.split(' ').filter(Boolean) ?? []), ...(options.nodeFlags ?? [])],
  });
}
