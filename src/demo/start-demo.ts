/**
 * `anyrouter demo` without the command line: generate a key per simulated provider, start the providers,
 * write the demo config beside the request log, compile it with the real compiler and serve it with the
 * real gateway. The keys live only in this process's memory and in the gateway's environment.
 * A demo already running in the same folder is never disturbed: the port is tried before anything is
 * written, and the config goes to a file of this run's own, renamed into place once the gateway listens.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import path from 'node:path';
import { compile } from '../compiler/compile.js';
import { formatDiagnostic, hasErrors } from '../compiler/diagnostics.js';
import { startGateway, type RunningGateway } from '../runtime/server.js';
import { DEMO_PROVIDERS, demoConfig, demoConfigText } from './demo-catalog.js';
import { startSimulatedProvider, type SimulatedProvider } from './simulated-provider.js';

export interface DemoOptions {
  /** Where `.anyrouter/demo.db` and `.anyrouter/demo/anyrouter.config.ts` go. */
  dir: string;
  host?: string;
  port?: number;
  /** Share of calls (0..1) the flaky provider fails. */
  faultRate: number;
  /** Where the gateway's start-up notes go. */
  log?: (line: string) => void;
}

export interface RunningDemo {
  gateway: RunningGateway;
  providers: SimulatedProvider[];
  configPath: string;
  dbPath: string;
  close(): Promise<void>;
}

export const DEMO_SEED = 18;
/** Every generated provider key starts with this (then 24 url-safe characters), so a leak is easy to grep for. */
export const DEMO_KEY_PREFIX = 'sim-key-';

/** The gateway's address when no host is given (the demo config names none). */
const DEMO_HOST = '127.0.0.1';

/** Rejects with the listen error (EADDRINUSE) when `host:port` cannot be bound; port 0 always can. */
async function tryPort(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

export async function startDemo(options: DemoOptions): Promise<RunningDemo> {
  const dbPath = path.join(options.dir, '.anyrouter', 'demo.db');
  const configPath = path.join(options.dir, '.anyrouter', 'demo', 'anyrouter.config.ts');
  // a second demo on a taken port stops here, before it writes or opens anything
  if (options.port !== undefined) await tryPort(options.host ?? DEMO_HOST, options.port);
  // this run's own config file (a demo that still fails to bind, in a race, leaves the running one's alone)
  const runConfigPath = path.join(path.dirname(configPath), `anyrouter.config.${process.pid}-${randomBytes(4).toString('hex')}.ts`);
  const keys = Object.fromEntries(DEMO_PROVIDERS.map((p) => [p.keyEnv, `${DEMO_KEY_PREFIX}${randomBytes(18).toString('base64url')}`]));
  const folderMade = mkdir(path.dirname(configPath), { recursive: true });
  folderMade.catch(() => undefined); // awaited below, unless a provider fails to start first
  const started = await Promise.allSettled(
    DEMO_PROVIDERS.map((p, i) =>
      startSimulatedProvider({ name: p.name, protocol: p.protocol, apiKey: keys[p.keyEnv]!, latencyMs: p.latencyMs, faultRate: p.faulty ? options.faultRate : 0, seed: DEMO_SEED + i }),
    ),
  );
  const providers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const closeProviders = () => Promise.all(providers.map((p) => p.close())).then(() => undefined);
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    await folderMade;
    const config = demoConfig(Object.fromEntries(providers.map((p) => [p.name, p.baseUrl])), dbPath);
    await writeFile(runConfigPath, demoConfigText(config));
    const result = await compile(runConfigPath);
    if (!result.bundle || hasErrors(result.diagnostics)) throw new Error(`the demo config does not compile:\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
    const gateway = await startGateway({
      bundle: result.bundle,
      env: { ...process.env, ...keys },
      ...(options.host !== undefined ? { host: options.host } : {}),
      ...(options.port !== undefined ? { port: options.port } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    await rename(runConfigPath, configPath).catch(async (error: unknown) => {
      await gateway.close(1_000);
      throw error;
    });
    return {
      gateway,
      providers,
      configPath,
      dbPath,
      close: () => gateway.close(5_000).then(closeProviders),
    };
  } catch (error) {
    await Promise.all([closeProviders(), rm(runConfigPath, { force: true })]);
    throw error;
  }
}
