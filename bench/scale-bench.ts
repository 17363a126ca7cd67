/**
 * `npm run bench -- --only workers`, `--only redis` and `--only budget`: what scaling out and governance cost and give.
 *   - workers: the same gateway (a gateway key without an rpm limit, so no Redis) as `serve` (one process) and as
 *     `serve --workers 2`, under the same closed-loop load of translated requests (Anthropic Messages to the
 *     OpenAI-format mock), in turns: requests per second, and CPU time per request over the whole process tree
 *     (primary and workers, read from /proc).
 *   - redis: a gateway key with an rpm limit counted in-process against the same key counted in Redis
 *     (`state.redis`: leases of 1% of the limit per round trip, health marks over pub/sub), in turns.
 *   - budget: the same key with and without a budget, in turns.
 * The mock upstream answers at once; nothing is pinned, since a 2-worker gateway needs both cores.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { startGatewayProcess, type GatewayFrom } from './gateway-process.js';
import { runAutocannon, type HttpTarget, type LoadRun } from './load.js';
import { mockBasePath, OK_KEY } from './mock-wire.js';
import { atExit, forkChild, installCleanup, type BenchChild } from './processes.js';
import { fmt, median, Table } from './report.js';
import { transpileForChildren } from './transpile.js';

export interface ScaleBenchOptions {
  mode: 'workers' | 'redis' | 'budget';
  seconds: number;
  connections: number;
  rounds: number;
  gatewayFrom: GatewayFrom;
  srcDir?: string;
  keep: boolean;
}

const BENCH_KEY = 'sk-ar-bench-scale-0123456789abcdef0123456789';
const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);
const TICKS = 100; // /proc clock ticks per second on Linux

/** CPU seconds (user + system) of a process and its live children, from /proc. */
function treeCpuSeconds(pid: number): number {
  const pids = [pid];
  try {
    pids.push(...execFileSync('pgrep', ['-P', String(pid)]).toString().trim().split('\n').filter(Boolean).map(Number));
  } catch {
    // no children
  }
  let ticks = 0;
  for (const p of pids) {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / TICKS;
}

function config(mockUrl: string, extra: string, rpm = true, budget = false): string {
  return `export default {
  providers: { bench: { type: 'openai', baseUrl: '${mockUrl}${mockBasePath(0)}', keys: [{ name: 'main', value: { env: 'BENCH_PROVIDER_KEY' } }] } },
  models: [{ id: 'bench/chat', context: 8000, pricing: { prompt: 1, completion: 1 }, upstreams: [{ provider: 'bench', model: 'm', priority: 1 }] }],
  presets: [],
  auth: { gatewayKeys: [{ name: 'bench', sha256: '${createHash('sha256').update(BENCH_KEY).digest('hex')}'${rpm ? ', rpm: 100000000' : ''}${budget ? ", budget: { usd: 1000000000, period: 'month' }" : ''} }] },
  ${extra}
};
`;
}

interface Variant {
  name: string;
  config: string;
  serveArgs: string[];
}

interface Measured {
  runs: LoadRun[];
  cpuPerRequestUs: number[];
}

async function measure(gateway: BenchChild, name: string, options: ScaleBenchOptions): Promise<{ run: LoadRun; cpuUs: number }> {
  // --only workers sends Anthropic Messages to the OpenAI-format mock: a translated request, so the gateway's
  // own work per request (not the load generator's or the mock's) is what the cores are spent on
  const target: HttpTarget =
    options.mode === 'workers'
      ? { name, url: `${gateway.url}/v1/messages`, headers: { 'x-api-key': BENCH_KEY, 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'bench/chat', max_tokens: 64, system: 'You are terse.', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'hello' }, { role: 'user', content: 'how are you?' }] }) }
      : { name, url: `${gateway.url}/v1/chat/completions`, headers: { authorization: `Bearer ${BENCH_KEY}` }, body: JSON.stringify({ model: 'bench/chat', messages: [{ role: 'user', content: 'hi' }] }) };
  await runAutocannon(target, { connections: options.connections, seconds: 1 });
  const before = treeCpuSeconds(gateway.pid);
  const run = await runAutocannon(target, { connections: options.connections, seconds: options.seconds });
  const cpu = treeCpuSeconds(gateway.pid) - before;
  return { run, cpuUs: (cpu * 1e6) / Math.max(1, run.requests) };
}

export async function runScaleBench(options: ScaleBenchOptions): Promise<void> {
  installCleanup();
  const work = await mkdtemp(path.join(os.tmpdir(), `anyrouter-${options.mode}-bench-`));
  if (!options.keep) atExit(() => rmSync(work, { recursive: true, force: true }));
  const js = path.join(work, 'js');
  if (options.gatewayFrom === 'js') await transpileForChildren(js, options.srcDir ? path.resolve(options.srcDir) : undefined);
  const mock = await forkChild('mock upstream', path.join(js, 'bench/mock-upstream.js'));
  const prefix = `anyrouter-bench:${process.pid}:${Date.now()}:`;
  const variants: Variant[] =
    options.mode === 'budget'
      ? [
          // the same key, with and without a budget (checked in memory before routing, spent when the answer ends)
          { name: 'no budget', config: config(mock.url, 'logging: { enabled: false, accessLog: false },', false), serveArgs: [] },
          { name: 'key budget', config: config(mock.url, 'logging: { enabled: false, accessLog: false },', false, true), serveArgs: [] },
        ]
      : options.mode === 'workers'
      ? [
          // no rpm here: the same in-process state for both (--only redis measures what Redis costs)
          { name: '1 process', config: config(mock.url, 'logging: { enabled: false, accessLog: false },', false), serveArgs: [] },
          { name: '--workers 2', config: config(mock.url, 'logging: { enabled: false, accessLog: false },', false), serveArgs: ['--workers', '2'] },
        ]
      : [
          { name: 'in-process state', config: config(mock.url, 'logging: { enabled: false, accessLog: false },'), serveArgs: [] },
          { name: 'state.redis', config: config(mock.url, `logging: { enabled: false, accessLog: false }, state: { redis: { url: { env: 'REDIS_URL' }, prefix: '${prefix}' } },`), serveArgs: [] },
        ];
  const measured: Measured[] = variants.map(() => ({ runs: [], cpuPerRequestUs: [] }));
  try {
    for (let round = 0; round < options.rounds; round++) {
      // take turns, and swap who goes first each round, so the machine's drift spreads over both
      const order = round % 2 === 0 ? [0, 1] : [1, 0];
      for (const i of order) {
        const v = variants[i]!;
        progress(`${options.mode} round ${round + 1} of ${options.rounds}: ${v.name}, c=${options.connections}, ${options.seconds} s`);
        const gateway = await startGatewayProcess({ name: v.name, dir: path.join(work, `${i}-${round}`), config: v.config, gatewayFrom: options.gatewayFrom, jsDir: js, env: { BENCH_PROVIDER_KEY: OK_KEY, REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }, serveArgs: v.serveArgs });
        try {
          const { run, cpuUs } = await measure(gateway, v.name, options);
          measured[i]!.runs.push(run);
          measured[i]!.cpuPerRequestUs.push(cpuUs);
        } finally {
          await gateway.stop(5_000);
        }
      }
    }
  } finally {
    await mock.stop(2_000);
  }
  const rps = measured.map((m) => median(m.runs.map((r) => r.rps)));
  const cpu = measured.map((m) => median(m.cpuPerRequestUs));
  const ratios = measured[1]!.runs.map((r, i) => r.rps / measured[0]!.runs[i]!.rps);
  const table = new Table(['', variants[0]!.name, variants[1]!.name, `${variants[1]!.name} / ${variants[0]!.name}`]);
  table.row('requests/s (median of rounds)', fmt.rps(rps[0]!), fmt.rps(rps[1]!), fmt.ratio(rps[1]!, rps[0]!));
  table.row('CPU per request, whole process tree', fmt.us(cpu[0]!), fmt.us(cpu[1]!), fmt.ratio(cpu[1]!, cpu[0]!));
  table.row('p99 (exact)', fmt.ms(median(measured[0]!.runs.map((r) => r.exactP99Us / 1000))), fmt.ms(median(measured[1]!.runs.map((r) => r.exactP99Us / 1000))), '');
  table.row('non-2xx / errors', `${measured[0]!.runs.reduce((s, r) => s + r.non2xx + r.errors, 0)}`, `${measured[1]!.runs.reduce((s, r) => s + r.non2xx + r.errors, 0)}`, '');
  console.log(`\nScale-out bench (--only ${options.mode}): Node ${process.version}, ${os.cpus().length} x ${os.cpus()[0]?.model.trim() ?? 'cpu'}, c=${options.connections}, ${options.rounds} rounds of ${options.seconds} s, ${options.mode === 'redis' ? 'a gateway key with an rpm limit on every request' : options.mode === 'budget' ? 'a gateway key with and without a budget' : 'a gateway key without an rpm limit'}\n${table.toString()}`);
  console.log(`  per-round ratios: ${ratios.map((r) => r.toFixed(2)).join(', ')}`);
}
