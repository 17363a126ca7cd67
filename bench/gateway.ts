/**
 * Gateway bench: the gateway's overhead side by side with a bare Node.js proxy and with calling the
 * upstream directly, all on 127.0.0.1, each server in its own process:
 *   - a lean mock OpenAI upstream (bench/mock-upstream.ts): 0 ms and 20 ms think time, a JSON answer and
 *     a 20-chunk SSE stream, 429 for the failover case;
 *   - a bare `node:http` pass-through proxy with keep-alive (bench/bare-proxy.ts): the floor;
 *   - the gateway as `anyrouter serve` with its full default pipeline (bench/gateway-child.ts): a gateway
 *     key, planning, and whatever tracing/metrics the serve command wires in.
 * Every figure is also given as a ratio against the bare proxy measured in the same run.
 *
 * Run: npm run bench [-- --quick] [-- --duration 30] [-- --profile] (see --help)
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { summarizeCpuProfile } from './cpuprofile-summary.js';
import { BENCH_DATABASE_URL_ENV, loggingConfigLine, SHIPPED_ENV, SHIPPED_NODE_FLAGS, startGatewayProcess } from './gateway-process.js';
import { createBenchSchema, DEFAULT_BENCH_DATABASE, logCounters, type BenchSchema } from './postgres-log.js';
import { httpProbe, interleave, mergeRuns, runAutocannon, type HttpTarget, type LoadOptions, type LoadRun, type Probe, type ProbeSamples } from './load.js';
import { mockBasePath, OK_KEY, RATE_LIMITED_KEY, STREAM_CHUNKS } from './mock-wire.js';
import { atExit, forkChild, installCleanup, killAllChildren, pinThreads, pinToCpu, type BenchChild, type ProcessSample } from './processes.js';
import { fmt, median, percentile, Table } from './report.js';
import { repoRoot, transpileForChildren } from './transpile.js';

const HELP = `npm run bench -- [options]
  --quick               smoke run: ~2 s per load phase, 200 samples per c=1 probe (~35 s in all)
  --duration S          seconds per autocannon phase (default 10; quick 2)
  --samples N           requests per target for the c=1 probes (default 2000; quick 200)
  --connections C       concurrency of the saturation phases (default 32)
  --rate R              requests per second of the fixed-rate phase (default 500)
  --gateway-from js|lib|tsx  the gateway's code: src/ transpiled by the bench with esbuild (default),
                        lib/ (npm run build first), or src/ under tsx (+30-45 MB RSS for tsx's loader thread)
  --proxy-client undici|http  the bare proxy's upstream client (default undici Pool.stream)
  --src DIR             serve the gateway from this src/ folder instead of the repo's (e.g. a snapshot from
                        \`git archive HEAD src | tar -x -C /tmp/base\` to compare a change against its base)
  --profile             run the gateway child under --cpu-prof and print its top self-time functions
  --profile-dir DIR     where the .cpuprofile (and the JS it maps to) goes (default /tmp/anyrouter-bench-profile-*)
  --json FILE           also write every figure as JSON
  --logging on|off|store|access|postgres   the request log and access log (default on: the full default pipeline;
                        postgres: the request log in PostgreSQL at --database-url, no access log)
  --database-url URL    the PostgreSQL of --only pglog and --logging postgres (default ${DEFAULT_BENCH_DATABASE});
                        the bench logs to a fresh schema in it and drops it at the end
  --only saturation     just the c=32 saturation phases (JSON and SSE) and the gateway's peak RSS: for iterating on a change
  --only memory         the RSS target: the gateway alone under c=32 JSON load twice (--duration, default 60 s each),
                        its RSS sampled every second, then RSS and heap after a full GC after each run
  --only rate           just the fixed-rate phase (--rate, 20 ms upstream): added p50/p99 over direct
  --only compare --base DIR   this src/ against another (e.g. \`git archive HEAD src | tar -x -C /tmp/base\`, then
                        --base /tmp/base/src): both gateways under c=32 JSON load at once, as --only logging does
  --only workers        one process against serve --workers 2 (a gateway key without an rpm limit, state in-process):
                        requests/s and CPU per request over the whole process tree, in turns (4 rounds; quick 2)
  --only redis          a gateway key's rpm counted in-process against counted in Redis (state.redis), in turns
  --only budget         a gateway key with a budget against the same key without one, in turns
  --only cache          the response cache at c=1: an uncached request, an in-memory hit and a Redis hit (a second
                        gateway with state.redis at --redis-url, a fresh key prefix), interleaved in the same rounds
  --redis-url URL       the Redis of --only cache (default redis://127.0.0.1:6379)
  --only faults         issue 19's sustained-fault scenario (bench/fault-bench.ts): three mock upstreams each failing 30%
                        of attempts (429 Retry-After 1 s, 500, 503, 4 s hang, reset, stream cut), official SDK client,
                        half streaming; saturation at --connections for --duration s (default 15; quick 4) and a fixed
                        --rate (default 100 req/s here), each against a no-fault run of the same upstreams: success rate
                        (of not cut mid-stream), attempts/request, p50/p99 of successes; then anyrouter simulate on the
                        same mix beside it (bin/anyrouter.js: npm run build first). --seed S (default 19)
  --only dashboard      the dashboard enabled and idle against disabled: two gateways under c=32 JSON load at once,
                        as --only logging does (8 rounds; quick 4)
  --only logging        what logging costs: the gateway with its request log and access log (--logging, default on)
                        against a second gateway with both off, both under c=32 JSON load at once, their event loops
                        sharing CPU 0 and their other threads on CPU 1 (8 rounds; quick 4)
  --only pglog          the request log in PostgreSQL against SQLite (both without the access log), two gateways
                        under c=32 JSON load at once as --only logging does (8 rounds; quick 4): throughput, CPU per
                        request, and whether PostgreSQL kept up: records dropped and rows stored against requests served
  --pin on|off          on (default, with 2+ CPUs): servers under test (bare proxy, gateway) on CPU 0, the load
                        generator (this process) and the mock upstream on CPU 1, so runs compare like with like
  --keep                keep the scratch folder (config, bundle, gateway.log, the gateway's request log)
Environment: BENCH_GATEWAY_FLAGS  extra node flags for every gateway process (e.g. --trace-gc: its lines go to gateway.log)
             BENCH_ALLOCATION_PROFILE=FILE  write the gateway's sampled allocations (collected ones too) to FILE
             BENCH_ALLOCATION_PROMOTED=1    with it: only objects that outlived the young generation (promoted)`;

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    duration: { type: 'string' },
    samples: { type: 'string' },
    connections: { type: 'string', default: '32' },
    rate: { type: 'string' },
    seed: { type: 'string', default: '19' },
    'gateway-from': { type: 'string', default: 'js' },
    'proxy-client': { type: 'string', default: 'undici' },
    src: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'profile-dir': { type: 'string' },
    json: { type: 'string' },
    keep: { type: 'boolean', default: false },
    logging: { type: 'string', default: 'on' },
    'database-url': { type: 'string', default: DEFAULT_BENCH_DATABASE },
    base: { type: 'string' },
    only: { type: 'string' },
    pin: { type: 'string', default: 'on' },
    'redis-url': { type: 'string', default: 'redis://127.0.0.1:6379' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

const positive = (value: string | undefined, fallback: number, name: string): number => {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} takes a positive number, not '${value}'`);
  return n;
};
const quick = values.quick;
const seconds = positive(values.duration, quick ? 2 : values.only === 'memory' ? 60 : 10, 'duration');
const warmupSeconds = Math.min(2, Math.max(1, Math.round(seconds / 5)));
const samples = Math.round(positive(values.samples, quick ? 200 : 2000, 'samples'));
const streamSamples = Math.max(100, Math.round(samples / 2));
const failoverSamples = Math.max(100, Math.round(samples / 2));
const warmupSamples = Math.min(200, Math.max(20, Math.round(samples / 10)));
const connections = Math.round(positive(values.connections, 32, 'connections'));
const rate = Math.round(positive(values.rate, 500, 'rate'));
const gatewayFrom = values['gateway-from'];
if (gatewayFrom !== 'js' && gatewayFrom !== 'lib' && gatewayFrom !== 'tsx') throw new Error(`--gateway-from takes js, lib or tsx, not '${gatewayFrom}'`);
if (values.src !== undefined && gatewayFrom !== 'js') throw new Error('--src works with --gateway-from js only');
if (gatewayFrom === 'lib' && !existsSync(path.join(repoRoot, 'lib/cli/main.js'))) throw new Error('--gateway-from lib: lib/cli/main.js is missing; run npm run build first');
const proxyClient = values['proxy-client'];
if (values.only !== undefined && !['saturation', 'logging', 'rate', 'compare', 'memory', 'faults', 'workers', 'redis', 'budget', 'pglog', 'dashboard', 'cache'].includes(values.only)) throw new Error(`--only takes saturation, rate, logging, compare, memory, faults, workers, redis, budget, pglog, dashboard or cache, not '${values.only}'`);
if ((values.only === 'compare') !== (values.base !== undefined)) throw new Error('--only compare and --base DIR go together');
if (proxyClient !== 'undici' && proxyClient !== 'http') throw new Error(`--proxy-client takes undici or http, not '${proxyClient}'`);

// --only workers / redis: what scaling out costs and gives (bench/scale-bench.ts)
if (values.only === 'workers' || values.only === 'redis' || values.only === 'budget') {
  const { runScaleBench } = await import('./scale-bench.js');
  await runScaleBench({
    mode: values.only,
    seconds: positive(values.duration, quick ? 2 : 6, 'duration'),
    connections,
    rounds: quick ? 2 : 4,
    gatewayFrom,
    ...(values.src !== undefined ? { srcDir: values.src } : {}),
    keep: values.keep,
  });
  process.exit(0);
}

// --only faults: its own scenario (upstreams, gateway config, client), sharing this file's options
if (values.only === 'faults') {
  const { runFaultBench } = await import('./fault-bench.js');
  await runFaultBench({
    quick,
    seconds: positive(values.duration, quick ? 4 : 15, 'duration'),
    connections,
    rate: Math.round(positive(values.rate, 100, 'rate')),
    gatewayFrom,
    ...(values.src !== undefined ? { srcDir: values.src } : {}),
    logging: values.logging ?? 'on',
    pin: values.pin === 'on',
    keep: values.keep,
    seed: Math.round(positive(values.seed, 19, 'seed')),
    ...(values.json !== undefined ? { json: values.json } : {}),
  });
  process.exit(0);
}

/** Seconds each target runs at a time in the fixed-rate phase before the next takes over. */
const RATE_SLICE_S = 2;
/** Think time of the fixed-rate phase: a realistic upstream, not a loopback echo. */
const RATE_THINK_MS = 20;
/**
 * autocannon's overallRate is a per-second quota per connection, sent back to back: with too many
 * connections the quota goes out in a burst at the top of each second. Size the connections so each one
 * stays busy most of the second (Little's law with the 20 ms think time plus a few ms of headroom).
 */
const rateConnections = Math.max(2, Math.ceil((rate * (RATE_THINK_MS + 4)) / 1000));

const progress = (line: string) => process.stderr.write(`bench: ${line}\n`);

// --- request shapes -------------------------------------------------------------------------------

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant for a software team. Answer in plain English, cite the file you mean, and prefer short sentences over long ones.' },
  { role: 'user', content: 'We run a Node.js gateway in front of several LLM providers. Explain in two sentences why a keep-alive connection pool to each upstream matters for tail latency, and what happens to p99 when the pool is too small for the request rate.' },
  { role: 'assistant', content: 'Reusing warm connections removes the TCP (and TLS) handshake from every request, so the slowest requests are no longer the ones that had to connect. When the pool is smaller than rate times latency, requests queue for a free connection and p99 grows with the queue.' },
  { role: 'user', content: 'Good. Now say hello in one short sentence.' },
];
const chatBody = (model: string, stream: boolean) => JSON.stringify({ model, messages: MESSAGES, max_tokens: 64, temperature: 0.2, ...(stream ? { stream: true } : {}) });

// the gateway serves alias `fast` from upstream model `fast`: the routing changes nothing, so the client's
// bytes can go upstream as they are (the common case: a client names the upstream's own model slug)
const MODEL = { fast: 'fast', slow: 'slow', failoverKey: 'failover-key', failoverProvider: 'failover-provider' } as const;

const gatewayKey = `ar-bench-${randomBytes(16).toString('hex')}`;
const PROVIDER_ENV: Record<string, string> = { BENCH_OK_KEY: OK_KEY, BENCH_LIMITED_KEY: RATE_LIMITED_KEY };

/** `dashboard`: undefined leaves the config's default (on: the bench gateway listens on loopback), else it is set; `extra`: more top-level config lines. */
function gatewayConfig(mockOrigin: string, logging = values.logging ?? 'on', dashboard?: boolean, extra = ''): string {
  const provider = (thinkMs: number, keys: Array<[string, string]>, extra = '') =>
    `{ type: 'openai', baseUrl: '${mockOrigin}${mockBasePath(thinkMs)}', keys: [${keys.map(([name, env]) => `{ name: '${name}', value: { env: '${env}' } }`).join(', ')}]${extra} }`;
  const model = (id: string, alias: string, upstreams: Array<[string, number]>) =>
    `    { id: 'bench/${id}', aliases: ['${alias}'], context: 128000, capabilities: ['tools'], pricing: { prompt: 1, completion: 2 }, upstreams: [${upstreams.map(([p, prio]) => `{ provider: '${p}', model: '${alias}', priority: ${prio} }`).join(', ')}] },`;
  return `// generated by bench/gateway.ts
export default {
  providers: {
    fast: ${provider(0, [['main', 'BENCH_OK_KEY']])},
    slow: ${provider(RATE_THINK_MS, [['main', 'BENCH_OK_KEY']])},
    keyed: ${provider(0, [['primary', 'BENCH_LIMITED_KEY'], ['spare', 'BENCH_OK_KEY']], ", keyStrategy: 'fallback'")},
    limited: ${provider(0, [['main', 'BENCH_LIMITED_KEY']])},
  },
  models: [
${model('fast', MODEL.fast, [['fast', 1]])}
${model('slow', MODEL.slow, [['slow', 1]])}
${model('failover-key', MODEL.failoverKey, [['keyed', 1]])}
${model('failover-provider', MODEL.failoverProvider, [['limited', 1], ['fast', 2]])}
  ],
  presets: [],
  auth: { gatewayKeys: [{ name: 'bench', sha256: '${createHash('sha256').update(gatewayKey).digest('hex')}' }] },
  server: { host: '127.0.0.1', port: 0 },${loggingConfigLine(logging)}${dashboard === undefined ? '' : `\n  dashboard: { enabled: ${dashboard} },`}${extra}
};
`;
}

// --- the run --------------------------------------------------------------------------------------

/** A load run with the CPU time the server under test spent on it (for direct, the mock's). */
type MeasuredRun = LoadRun & { cpuUsPerRequest: number; mainThreadCpuUsPerRequest?: number };

interface Results {
  saturation: { json: MeasuredRun[]; sse: MeasuredRun[]; jsonRepeat?: MeasuredRun };
  /** JSON saturation with the gateway and the bare proxy loaded at once, round by round. */
  together?: { gateway: MeasuredRun[]; proxy: MeasuredRun[] };
  fixedRate: MeasuredRun[];
  latency: ProbeSamples[];
  ttft: ProbeSamples[];
  failover: ProbeSamples[];
  memory: Array<{ when: string; process: string } & ProcessSample>;
  /** Highest RSS sampled (every second) during each gateway JSON saturation run. */
  peakRss: number[];
}

installCleanup();
const started = Date.now();
const loadAtStart = os.loadavg()[0]!;
const work = await mkdtemp(path.join(os.tmpdir(), 'anyrouter-bench-'));
// the PostgreSQL request log's schema, for the gateways that log there; dropped at the end
const pgSchema: BenchSchema | undefined = values.only === 'pglog' || values.logging === 'postgres' ? await createBenchSchema(values['database-url']) : undefined;
if (pgSchema) PROVIDER_ENV[BENCH_DATABASE_URL_ENV] = pgSchema.url;
if (!values.keep) atExit(() => rmSync(work, { recursive: true, force: true }));
const profileDir = values.profile ? (values['profile-dir'] ?? (await mkdtemp(path.join(os.tmpdir(), 'anyrouter-bench-profile-')))) : undefined;
if (profileDir) await mkdir(profileDir, { recursive: true });
const children: BenchChild[] = [];
const probes: Probe[] = [];
const pinning = values.pin === 'on' && os.cpus().length >= 2 && pinToCpu(process.pid, 1);
/** With --pin: servers under test on CPU 0, everything that drives them on CPU 1. */
const pin = (child: BenchChild, role: 'server' | 'driver'): BenchChild => {
  if (pinning) pinToCpu(child.pid, role === 'server' ? 0 : 1, process.env.BENCH_PIN_THREADS === 'main' ? 'main' : 'all');
  return child;
};

try {
  // the children run plain JavaScript (see bench/transpile.ts); kept next to a profile, which maps into it
  const js = path.join(profileDir ?? work, 'js');
  const files = await transpileForChildren(js, values.src ? path.resolve(values.src) : undefined);
  progress(`transpiled ${files} files to ${js}; starting the mock upstream, the bare proxy (${proxyClient}) and the gateway (${gatewayFrom})`);
  const mock = pin(await forkChild('mock upstream', path.join(js, 'bench/mock-upstream.js')), 'driver');
  children.push(mock);
  const proxy = pin(await forkChild('bare proxy', path.join(js, 'bench/bare-proxy.js'), { args: ['--upstream', mock.url, '--client', proxyClient], nodeFlags: ['--expose-gc'] }), 'server');
  children.push(proxy);

  /** Compiles the bench config with this logging setting and serves it from its own folder (own request log). */
  const startGateway = async (name: string, logging: string, profile: boolean, jsDir = js, dashboard?: boolean, extra?: string): Promise<BenchChild> =>
    pin(
      await startGatewayProcess({
        name,
        dir: path.join(work, name.replace(/\W+/g, '-')),
        config: gatewayConfig(mock.url, logging, dashboard, extra),
        gatewayFrom,
        jsDir,
        env: PROVIDER_ENV,
        nodeFlags: profile && profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-name=gateway.cpuprofile'] : [],
      }),
      'server',
    );
  const gateway = await startGateway('gateway', values.logging ?? 'on', true);
  children.push(gateway);

  const upstreamHeaders = { authorization: `Bearer ${OK_KEY}` };
  const gatewayHeaders = { authorization: `Bearer ${gatewayKey}` };
  const chatPath = (thinkMs: number) => `${mockBasePath(thinkMs)}/chat/completions`;
  type Target = HttpTarget & { server: BenchChild };
  const targets = (thinkMs: number, model: string, stream: boolean): Target[] => [
    { name: 'direct', server: mock, url: `${mock.url}${chatPath(thinkMs)}`, headers: upstreamHeaders, body: chatBody(model, stream) },
    { name: 'bare proxy', server: proxy, url: `${proxy.url}${chatPath(thinkMs)}`, headers: upstreamHeaders, body: chatBody(model, stream) },
    { name: 'gateway', server: gateway, url: `${gateway.url}/v1/chat/completions`, headers: gatewayHeaders, body: chatBody(model, stream) },
  ];

  await sanityCheck(mock, proxy, gateway, gatewayHeaders);

  const results: Results = { saturation: { json: [], sse: [] }, fixedRate: [], latency: [], ttft: [], failover: [], memory: [], peakRss: [] };
  const recordMemory = async (when: string, child: BenchChild) => {
    const sample = await child.sample({ gc: true });
    results.memory.push({ when, process: child.name, ...sample });
  };
  /** Runs `during` while sampling the child's RSS every second; returns its result and the peak. */
  const withPeakRss = async <T>(child: BenchChild, during: () => Promise<T>): Promise<T> => {
    let peak = 0;
    const sampler = setInterval(() => {
      child.sample().then((m) => (peak = Math.max(peak, m.rss)), () => undefined);
    }, 1000);
    try {
      return await during();
    } finally {
      clearInterval(sampler);
      results.peakRss.push(peak);
    }
  };
  await recordMemory('idle, before load', gateway);
  await recordMemory('idle, before load', proxy);

  const load = async (label: string, target: Target, options: LoadOptions & { warmup?: boolean }): Promise<MeasuredRun> => {
    const warmup = options.warmup ?? true;
    progress(`${label}: ${target.name}, ${options.overallRate ? `${options.overallRate} req/s over ${options.connections} connections` : `c=${options.connections}`}, ${warmup ? `${warmupSeconds} s warm-up + ` : ''}${options.seconds} s`);
    if (warmup) await runAutocannon(target, { ...options, seconds: warmupSeconds });
    const before = await target.server.sample();
    const run = await runAutocannon(target, options);
    const after = await target.server.sample();
    const failed = run.errors + run.timeouts + run.non2xx;
    if (failed > 0) progress(`  warning: ${target.name}: ${run.errors} errors, ${run.timeouts} timeouts, ${run.non2xx} non-2xx (${JSON.stringify(run.statuses)})`);
    const requests = Math.max(1, run.requests);
    const mainThread = after.mainThreadCpuUs !== undefined && before.mainThreadCpuUs !== undefined ? (after.mainThreadCpuUs - before.mainThreadCpuUs) / requests : undefined;
    return { ...run, cpuUsPerRequest: (after.cpuUs - before.cpuUs) / requests, mainThreadCpuUsPerRequest: mainThread };
  };

  /**
   * `rounds` rounds of c=32 load on two servers at once, their event loops sharing CPU 0 and their other
   * threads on CPU 1: the kernel gives the two loops equal CPU time, so the ratio of their throughputs
   * is the ratio of their costs per request, and the machine's drift (tens of percent between
   * back-to-back runs on this VM) hits both alike. Which load starts first alternates. Afterwards the
   * servers go back to CPU 0 whole.
   */
  async function loadTogether(a: Target, b: Target, rounds: number, label: (round: number) => string): Promise<{ a: MeasuredRun[]; b: MeasuredRun[]; split: boolean }> {
    const split = () => pinning && pinThreads(a.server.pid, 0, 1) && pinThreads(b.server.pid, 0, 1);
    const pinned = split();
    const runs = { a: [] as MeasuredRun[], b: [] as MeasuredRun[] };
    for (let round = 0; round < rounds; round++) {
      const loadA = () => load(`${label(round)}: ${a.name}`, a, { connections, seconds });
      const loadB = () => load(`${label(round)}: ${b.name}`, b, { connections, seconds });
      const [ra, rb] = round % 2 === 0 ? await Promise.all([loadA(), loadB()]) : ((await Promise.all([loadB(), loadA()])).reverse() as [MeasuredRun, MeasuredRun]);
      runs.a.push(ra);
      runs.b.push(rb);
      // threads started during the round (libuv's pool) start on their main thread's CPU
      split();
    }
    if (pinning) for (const t of [a, b]) pinToCpu(t.server.pid, 0, 'all');
    return { ...runs, split: pinned };
  }

  /**
   * Logging on vs off, the two gateways loaded at once (loadTogether): the event loops' throughput ratio
   * is what logging costs the event loop; the log worker's own CPU, on CPU 1, is reported beside it (on
   * a single core it would come out of the event loop's time too). Two identical gateways measured this
   * way came out 0.82-0.86x, the one started first the slower, so half the rounds run on a pair started
   * on-then-off and half on a fresh pair started off-then-on.
   */
  /** One side of a paired comparison: a gateway started with this logging setting from this build. */
  interface Side {
    name: string;
    logging: string;
    jsDir?: string;
    /** `dashboard.enabled` in the config; absent: the default. */
    dashboard?: boolean;
  }

  /**
   * Two gateways under c=32 JSON load at once (loadTogether), on two pairs started in opposite orders,
   * half the rounds each: the rounds' median ratio of `on` to `off` and the CPU each spends per request.
   */
  async function pairedRuns(sides: Record<'on' | 'off', Side>, beforeStop?: (pair: Record<'on' | 'off', BenchChild>) => Promise<void>): Promise<{ table: Table; rounds: number; paired: number; split: boolean; cpu: Record<'on' | 'off', number>; main: Record<'on' | 'off', number> }> {
    const rounds = quick ? 4 : 8;
    const runs: Record<'on' | 'off', MeasuredRun[]> = { on: [], off: [] };
    const target = (server: BenchChild, which: 'on' | 'off'): Target => ({ name: sides[which].name, server, url: `${server.url}/v1/chat/completions`, headers: gatewayHeaders, body: chatBody(MODEL.fast, false) });
    let split = pinning;
    for (const order of [['on', 'off'], ['off', 'on']] as const) {
      const pair = {} as Record<'on' | 'off', BenchChild>;
      for (const which of order) {
        pair[which] = await startGateway(`${sides[which].name}, started ${which === order[0] ? 'first' : 'second'}`, sides[which].logging, false, sides[which].jsDir, sides[which].dashboard);
        children.push(pair[which]);
        // the same requests on both: each compiles its code from the same history
        await sanityCheck(mock, proxy, pair[which], gatewayHeaders);
      }
      const together = await loadTogether(target(pair.on, 'on'), target(pair.off, 'off'), rounds / 2, (round) => `${sides.on.name} vs ${sides.off.name} (pair started ${order.map((w) => sides[w].name).join(' then ')}), round ${runs.on.length + round + 1} of ${rounds}`);
      split = together.split && split;
      runs.on.push(...together.a);
      runs.off.push(...together.b);
      await beforeStop?.(pair);
      await Promise.all([pair.on.stop(5_000), pair.off.stop(5_000)]);
    }
    const table = new Table(['', sides.on.name, sides.off.name, `${sides.on.name} / ${sides.off.name}`]);
    runs.on.forEach((r, i) => table.row(`round ${i + 1} (${sides[i < rounds / 2 ? 'on' : 'off'].name} started first): requests/s`, fmt.rps(r.rps), fmt.rps(runs.off[i]!.rps), fmt.ratio(r.rps, runs.off[i]!.rps)));
    const [rpsOn, rpsOff] = [median(runs.on.map((r) => r.rps)), median(runs.off.map((r) => r.rps))];
    const [cpuOn, cpuOff] = [median(runs.on.map((r) => r.cpuUsPerRequest)), median(runs.off.map((r) => r.cpuUsPerRequest))];
    table.row('median requests/s', fmt.rps(rpsOn), fmt.rps(rpsOff), fmt.ratio(rpsOn, rpsOff));
    table.row('median p99 (exact)', fmt.us(median(runs.on.map((r) => r.exactP99Us))), fmt.us(median(runs.off.map((r) => r.exactP99Us))), '');
    table.row('median CPU per request (all threads)', fmt.us(cpuOn), fmt.us(cpuOff), fmt.ratio(cpuOn, cpuOff));
    const mainCpu = (rs: MeasuredRun[]) => median(rs.map((r) => r.mainThreadCpuUsPerRequest ?? Number.NaN));
    const [mainOn, mainOff] = [mainCpu(runs.on), mainCpu(runs.off)];
    const haveMain = Number.isFinite(mainOn) && Number.isFinite(mainOff);
    if (haveMain) {
      table.row('  of which the event loop (main thread)', fmt.us(mainOn), fmt.us(mainOff), fmt.ratio(mainOn, mainOff));
      table.row('  of which other threads (log worker, GC helpers)', fmt.us(cpuOn - mainOn), fmt.us(cpuOff - mainOff), '');
    }
    const paired = median(runs.on.map((r, i) => r.rps / runs.off[i]!.rps));
    table.row("median of the rounds' ratios", '', '', `${paired.toFixed(3)}x`);
    return { table, rounds, paired, split, cpu: { on: cpuOn, off: cpuOff }, main: { on: mainOn, off: mainOff } };
  }

  const pinNote = (split: boolean) =>
    split
      ? '  event loops of both on CPU 0 (sharing it equally), their other threads on CPU 1 with the load generator and the mock'
      : '  NOT pinned (--pin off, or taskset missing): the two gateways and the load generator share the CPUs as the scheduler places them';

  async function loggingCost(): Promise<void> {
    const { table, rounds, paired, split, cpu, main } = await pairedRuns({ on: { name: 'logging on', logging: values.logging ?? 'on' }, off: { name: 'logging off', logging: 'off' } });
    const [cpuOn, cpuOff, mainOn, mainOff] = [cpu.on, cpu.off, main.on, main.off];
    const haveMain = Number.isFinite(mainOn) && Number.isFinite(mainOff);
    const cost = 1 - paired;
    const oneCore = 1 - cpuOff / cpuOn;
    console.log(
      [
        '',
        `Logging cost (--only logging): c=${connections} JSON saturation on two gateways at once, ${rounds} rounds of ${seconds} s on two pairs started in opposite orders; logging on = ${values.logging ?? 'on'} (request log to SQLite in its worker + access log to a file), off = both disabled`,
        pinNote(split),
        table.toString(),
        `throughput cost of logging: ${(cost * 100).toFixed(1)}% (median of the rounds' on/off ratios, event loops sharing a core); target for issue 6: at most 5%, ${cost <= 0.05 ? 'met' : 'NOT met'}`,
        `CPU per request +${fmt.us(cpuOn - cpuOff)} in all, ${haveMain ? `+${fmt.us(mainOn - mainOff)} on the event loop, ` : ''}the rest on other threads; with everything on one core, logging would cost about ${(oneCore * 100).toFixed(0)}% (from CPU per request)`,
        `load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}; done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    );
  }

  /** Gateway and bare proxy under JSON load at once (loadTogether): their throughput ratio, drift cancelled. */
  async function saturationTogether(): Promise<void> {
    const [, proxyTarget, gatewayTarget] = targets(0, MODEL.fast, false) as [Target, Target, Target];
    const rounds = quick ? 2 : 4;
    const together = await loadTogether(gatewayTarget, proxyTarget, rounds, (round) => `saturation JSON, gateway and bare proxy at once, round ${round + 1} of ${rounds}`);
    results.together = { gateway: together.a, proxy: together.b };
  }

  /**
   * Direct, bare proxy and gateway at a fixed rate with a 20 ms upstream: what each adds to p50 and p99.
   * The targets take turns in slices of RATE_SLICE_S, in a rotating order, and each one's slices are
   * pooled: back to back, one 10 s run after another, the same build's added p99 ranged over +1.9 to
   * +6.1 ms as the VM drifted, and slices spread that drift over all three. Each slice leaves out the
   * responses that opened its connections.
   */
  async function fixedRate(): Promise<void> {
    const list = targets(RATE_THINK_MS, MODEL.slow, false);
    const slices = Math.max(1, Math.round(seconds / RATE_SLICE_S));
    const options = { connections: rateConnections, seconds: seconds / slices, overallRate: rate, skipFirst: rateConnections };
    for (const target of list) await runAutocannon(target, { ...options, seconds: warmupSeconds });
    const runs = new Map<string, MeasuredRun[]>(list.map((t) => [t.name, []]));
    for (let slice = 0; slice < slices; slice++) {
      for (let k = 0; k < list.length; k++) {
        const target = list[(slice + k) % list.length]!;
        runs.get(target.name)!.push(await load(`fixed rate ${rate} req/s, slice ${slice + 1} of ${slices}`, target, { ...options, warmup: false }));
      }
    }
    for (const target of list) {
      results.fixedRate.push(mergeRuns(runs.get(target.name)!, (parts) => ({ cpuUsPerRequest: parts.reduce((n, r) => n + r.cpuUsPerRequest * r.requests, 0) / Math.max(1, parts.reduce((n, r) => n + r.requests, 0)) })));
    }
  }

  /** `--only dashboard`: the dashboard enabled and idle (nobody has it open) against disabled, loaded at once. */
  async function dashboardCost(): Promise<void> {
    const logging = values.logging ?? 'on';
    const { table, rounds, paired, split } = await pairedRuns({ on: { name: 'dashboard on', logging, dashboard: true }, off: { name: 'dashboard off', logging, dashboard: false } });
    console.log(
      [
        '',
        `Dashboard (--only dashboard): c=${connections} JSON saturation on two gateways at once, ${rounds} rounds of ${seconds} s on two pairs started in opposite orders; on = dashboard.enabled: true and idle (no page open, no live tail), off = dashboard.enabled: false; logging ${logging}`,
        pinNote(split),
        table.toString(),
        `dashboard on / off: ${paired.toFixed(3)}x (median of the rounds' ratios; an A/A run of two identical gateways gives 0.98-1.01x)`,
        `load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}; done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    );
  }

  /** `--only compare --base DIR`: this build against another src/, loaded at once. */
  async function compareBuilds(): Promise<void> {
    const baseJs = path.join(work, 'base-js');
    await transpileForChildren(baseJs, path.resolve(values.base!));
    const logging = values.logging ?? 'on';
    const { table, paired, split } = await pairedRuns({ on: { name: 'this build', logging }, off: { name: 'base', logging, jsDir: baseJs } });
    console.log(
      [
        '',
        `Builds compared (--only compare): this src/ against ${values.base}, c=${connections} JSON saturation on both at once, logging ${logging}`,
        pinNote(split),
        table.toString(),
        `this build / base: ${paired.toFixed(3)}x throughput (median of the rounds' ratios; an A/A run gives 0.98-1.05x per round)`,
        `load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}; done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    );
  }

  /** The RSS target: a minute (by default) of saturation, twice, on the gateway alone; peak and after-GC figures of each run. */
  async function memoryRuns(): Promise<void> {
    const target = targets(0, MODEL.fast, false)[2]!;
    const runs: MeasuredRun[] = [];
    for (const run of [1, 2]) {
      runs.push(await withPeakRss(gateway, () => load(`memory: JSON saturation run ${run}`, target, { connections, seconds })));
      await recordMemory(`after JSON saturation (run ${run})`, gateway);
    }
    const after = results.memory.filter((m) => m.process === 'gateway' && m.when.startsWith('after'));
    const table = new Table(['gateway, c=' + connections + ' JSON', 'requests/s', 'peak RSS', 'RSS after', 'RSS after GC', 'heap after GC']);
    runs.forEach((r, i) => table.row(`run ${i + 1} (${seconds} s)`, fmt.rps(r.rps), fmt.mb(results.peakRss[i]!), fmt.mb(after[i]!.rss), fmt.mb(after[i]!.afterGc?.rss ?? NaN), fmt.mb(after[i]!.afterGc?.heapUsed ?? NaN)));
    const peak = Math.max(...results.peakRss);
    const grew = (after[1]!.afterGc?.heapUsed ?? NaN) - (after[0]!.afterGc?.heapUsed ?? NaN);
    console.log(
      [
        '',
        `Memory (--only memory); load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}; done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
        table.toString(),
        `peak RSS ${fmt.mb(peak)} (target for issue 8: under 150 MB, ${peak < 150 * 1024 * 1024 ? 'met' : 'NOT met'}); heap after GC run 1 -> run 2: ${grew >= 0 ? '+' : '-'}${fmt.mb(Math.abs(grew))}`,
      ].join('\n'),
    );
  }

  /**
   * `--only pglog`: the request log in PostgreSQL against SQLite, paired as --only logging is. Whether
   * PostgreSQL kept up: the PostgreSQL gateways' dropped-record counters before they stop, and the rows
   * stored once they have flushed against the requests they served (warm-ups and sanity checks included).
   */
  async function pglogCost(): Promise<void> {
    let served = 0;
    let dropped = 0;
    const { table, rounds, paired, split, cpu, main } = await pairedRuns({ on: { name: 'postgres log', logging: 'postgres' }, off: { name: 'sqlite log', logging: 'store' } }, async (pair) => {
      const counters = await logCounters(pair.on.url);
      served += counters.requests;
      dropped += counters.dropped;
    });
    const stored = await pgSchema!.rows();
    const haveMain = Number.isFinite(main.on) && Number.isFinite(main.off);
    console.log(
      [
        '',
        `Request log in PostgreSQL vs SQLite (--only pglog): c=${connections} JSON saturation on two gateways at once, ${rounds} rounds of ${seconds} s on two pairs started in opposite orders; both without the access log; PostgreSQL at ${new URL(values['database-url']).host} (a fresh schema)`,
        pinNote(split),
        table.toString(),
        `throughput of the PostgreSQL-logging gateway: ${paired.toFixed(3)}x the SQLite-logging one (median of the rounds' ratios); CPU per request ${fmt.us(cpu.on)} vs ${fmt.us(cpu.off)}${haveMain ? `, on the event loop ${fmt.us(main.on)} vs ${fmt.us(main.off)}` : ''}`,
        `PostgreSQL kept up with saturation: ${served} requests served, ${stored} rows stored, ${dropped} records dropped (anyrouter_log_records_dropped); target for issue 15: 0 dropped, ${dropped === 0 && stored === served ? 'met' : 'NOT met'}`,
        `load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}; done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    );
  }

  /**
   * `--only cache`: what a Redis cache hit adds at c=1, against an in-memory hit and an uncached request,
   * interleaved in the same rounds; each gateway's uncached request (`no-store`) alongside, so the Redis
   * gateway's own overhead apart from the lookup shows too.
   */
  async function cacheLatency(): Promise<void> {
    const prefix = `anyrouter-bench:${randomBytes(6).toString('hex')}:`;
    const shared = await startGateway('gateway with state.redis', values.logging ?? 'on', false, js, undefined, `\n  state: { redis: { url: '${values['redis-url']}', prefix: '${prefix}' } },`);
    children.push(shared);
    const body = chatBody(MODEL.fast, false);
    const cached = { ...gatewayHeaders, 'cache-control': 'max-age=3600' };
    const uncached = { ...gatewayHeaders, 'cache-control': 'no-store' };
    const probeOf = (name: string, server: BenchChild, headers: Record<string, string>, urlPath = '/v1/chat/completions') => {
      const p = httpProbe(name, server.url, [{ path: urlPath, headers, body }]);
      probes.push(p);
      return p;
    };
    // the warm-up rounds store the answer; every timed cached request after them is a hit
    progress(`c=1 response cache: ${samples} requests per target, interleaved (Redis at ${new URL(values['redis-url']).host}, prefix ${prefix})`);
    const list = await interleave(
      [
        probeOf('direct', mock, upstreamHeaders, chatPath(0)),
        probeOf('uncached (memory gateway, no-store)', gateway, uncached),
        probeOf('in-memory hit', gateway, cached),
        probeOf('uncached (redis gateway, no-store)', shared, uncached),
        probeOf('Redis hit', shared, cached),
      ],
      samples,
      warmupSamples,
    );
    const metrics = await (await fetch(`${shared.url}/metrics`)).text();
    const count = (series: string) => metrics.split('\n').find((line) => line.startsWith(series + ' '))?.slice(series.length + 1) ?? '0';
    const q = (name: string, at: number) => percentile(find(list, name).totalUs, at);
    const table = new Table(['', 'p50', 'p99', 'added p50 over direct', 'p50 vs in-memory hit']);
    for (const s of list) table.row(s.name, fmt.us(q(s.name, 0.5)), fmt.us(q(s.name, 0.99)), fmt.addUs(q(s.name, 0.5) - q('direct', 0.5)), s.name === 'direct' ? '' : fmt.addUs(q(s.name, 0.5) - q('in-memory hit', 0.5)));
    console.log(
      [
        '',
        `Response cache at c=1 (--only cache): ${samples} requests per target, interleaved, hrtime; JSON, 0 ms upstream`,
        table.toString(),
        `a Redis hit adds ${fmt.addUs(q('Redis hit', 0.5) - q('in-memory hit', 0.5))} at p50 (${fmt.addUs(q('Redis hit', 0.99) - q('in-memory hit', 0.99))} at p99) over an in-memory hit, and is ${fmt.us(q('uncached (redis gateway, no-store)', 0.5) - q('Redis hit', 0.5))} faster at p50 than the same gateway's uncached request (a 0 ms upstream: with a real one, the whole upstream call is saved)`,
        `redis gateway's counters: hits ${count('anyrouter_cache_hits_total{backend="redis"}')}, misses ${count('anyrouter_cache_misses_total{backend="redis"}')}, stores ${count('anyrouter_cache_stores_total{backend="redis"}')}, errors ${count('anyrouter_cache_errors_total{backend="redis"}')}`,
        `load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}; done in ${((Date.now() - started) / 1000).toFixed(0)} s`,
      ].join('\n'),
    );
  }

  if (values.only === 'cache') {
    await cacheLatency();
  } else if (values.only === 'logging') {
    await loggingCost();
  } else if (values.only === 'pglog') {
    await pglogCost();
  } else if (values.only === 'dashboard') {
    await dashboardCost();
  } else if (values.only === 'compare') {
    await compareBuilds();
  } else if (values.only === 'memory') {
    await memoryRuns();
  } else if (values.only === 'rate') {
    await fixedRate();
    const g = find(results.fixedRate, 'gateway');
    const d = find(results.fixedRate, 'direct');
    console.log(['', `Fixed rate only (--only rate); load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}`, rateTable(results), `added p99 at ${rate} req/s over direct: ${fmt.addUs(g.exactP99Us - d.exactP99Us)} (target for issue 8: at most 1 ms)`].join('\n'));
  } else {
  // 1. saturation, JSON then SSE, 0 ms upstream
  for (const target of targets(0, MODEL.fast, false)) {
    const run = () => load('saturation JSON', target, { connections, seconds });
    results.saturation.json.push(target.name === 'gateway' ? await withPeakRss(gateway, run) : await run());
  }
  await recordMemory('after JSON saturation (run 1)', gateway);
  await recordMemory('after JSON saturation', proxy);
  for (const target of targets(0, MODEL.fast, true)) results.saturation.sse.push(await load(`saturation SSE (${STREAM_CHUNKS} chunks)`, target, { connections, seconds }));
  await recordMemory('after SSE saturation', gateway);
  await saturationTogether();
  if (values.only === 'saturation') {
    const peak = Math.max(...results.peakRss);
    console.log(['', `Saturation only (--only saturation), c=${connections}, ${seconds} s after a ${warmupSeconds} s warm-up; load average ${loadAtStart.toFixed(2)} -> ${os.loadavg()[0]!.toFixed(2)}`, 'JSON', saturationTable(results.saturation.json), `SSE (${STREAM_CHUNKS} chunks)`, saturationTable(results.saturation.sse), togetherTable(results), `gateway peak RSS during JSON saturation ${fmt.mb(peak)}`].join('\n'));
  }
  if (values.only === undefined) {

  // 2. fixed rate, 20 ms upstream
  await fixedRate();
  await recordMemory(`after ${rate} req/s`, gateway);

  // 3. microsecond client at c=1, interleaved
  const probe = (name: string, origin: string, urlPath: string, headers: Record<string, string>, body: string) => {
    const p = httpProbe(name, origin, [{ path: urlPath, headers, body }]);
    probes.push(p);
    return p;
  };
  progress(`c=1 JSON latency: ${samples} requests per target, interleaved`);
  results.latency = await interleave(
    [
      probe('direct', mock.url, chatPath(0), upstreamHeaders, chatBody(MODEL.fast, false)),
      probe('bare proxy', proxy.url, chatPath(0), upstreamHeaders, chatBody(MODEL.fast, false)),
      probe('gateway', gateway.url, '/v1/chat/completions', gatewayHeaders, chatBody(MODEL.fast, false)),
      // the response cache on the same run: a request that opts out (the uncached path through the cache's
      // checks), and one answered from the cache (the first round, a warm-up, stores it)
      probe('gateway, Cache-Control: no-store', gateway.url, '/v1/chat/completions', { ...gatewayHeaders, 'cache-control': 'no-store' }, chatBody(MODEL.fast, false)),
      probe('gateway, cache hit', gateway.url, '/v1/chat/completions', { ...gatewayHeaders, 'cache-control': 'max-age=3600' }, chatBody(MODEL.fast, false)),
    ],
    samples,
    warmupSamples,
  );
  progress(`c=1 stream time to first token: ${streamSamples} streams per target, interleaved`);
  results.ttft = await interleave(
    [
      probe('direct', mock.url, chatPath(0), upstreamHeaders, chatBody(MODEL.fast, true)),
      probe('bare proxy', proxy.url, chatPath(0), upstreamHeaders, chatBody(MODEL.fast, true)),
      probe('gateway', gateway.url, '/v1/chat/completions', gatewayHeaders, chatBody(MODEL.fast, true)),
    ],
    streamSamples,
    warmupSamples,
  );
  progress(`c=1 failover 429 then 200: ${failoverSamples} requests per target, interleaved`);
  const directFailover = httpProbe('direct: 429 call + 200 call', mock.url, [
    { path: chatPath(0), headers: { authorization: `Bearer ${RATE_LIMITED_KEY}` }, body: chatBody(MODEL.failoverKey, false), expect: 429 },
    { path: chatPath(0), headers: upstreamHeaders, body: chatBody(MODEL.failoverKey, false) },
  ]);
  const proxyFailover = httpProbe('bare proxy (retries the 429)', proxy.url, [
    { path: chatPath(0), headers: { authorization: `Bearer ${RATE_LIMITED_KEY}`, 'x-bench-retry-authorization': `Bearer ${OK_KEY}` }, body: chatBody(MODEL.failoverKey, false) },
  ]);
  probes.push(directFailover, proxyFailover);
  results.failover = await interleave(
    [
      directFailover,
      proxyFailover,
      probe('gateway: next key', gateway.url, '/v1/chat/completions', gatewayHeaders, chatBody(MODEL.failoverKey, false)),
      probe('gateway: next provider', gateway.url, '/v1/chat/completions', gatewayHeaders, chatBody(MODEL.failoverProvider, false)),
    ],
    failoverSamples,
    warmupSamples,
  );
  await Promise.all(probes.splice(0).map((p) => p.close()));
  await recordMemory('after the c=1 probes', gateway);

  // 4. saturation again: memory must not grow from one run to the next
  results.saturation.jsonRepeat = await withPeakRss(gateway, () => load('saturation JSON, run 2', targets(0, MODEL.fast, false)[2]!, { connections, seconds }));
  await recordMemory('after JSON saturation (run 2)', gateway);

  print(results, { proxyClient, gatewayFrom, seconds, elapsedS: (Date.now() - started) / 1000 });
  }
  }
  if (values.json) await writeFile(values.json, JSON.stringify(results, (_k, v: unknown) => (v instanceof Float64Array ? { p50: percentile(v, 0.5), p90: percentile(v, 0.9), p99: percentile(v, 0.99), count: v.length } : v), 2));

  if (profileDir) {
    progress('stopping the gateway to write its CPU profile');
    await gateway.stop(15_000);
    console.log(`\nCPU profile of the gateway (whole run, --cpu-prof): ${path.join(profileDir, 'gateway.cpuprofile')}`);
    console.log(await summarizeCpuProfile(path.join(profileDir, 'gateway.cpuprofile'), { top: 15 }));
  }
} finally {
  await Promise.all(probes.map((p) => p.close().catch(() => undefined)));
  await Promise.all(children.reverse().map((c) => c.stop(5_000).catch(() => undefined)));
  killAllChildren();
  if (pgSchema && !values.keep) await pgSchema.drop().catch(() => undefined);
  if (values.keep) progress(`kept ${work}`);
  else await rm(work, { recursive: true, force: true });
}

// --- checks and output ----------------------------------------------------------------------------

/** The run or probe of this target in a phase's list. */
function find<T extends { target?: string; name?: string }>(list: T[], name: string): T {
  return list.find((r) => (r.target ?? r.name) === name)!;
}

/** The fixed-rate phase: direct, bare proxy and gateway at `rate` req/s with a 20 ms upstream. */
function rateTable(results: Results): string {
  const [d, p, g] = [find(results.fixedRate, 'direct'), find(results.fixedRate, 'bare proxy'), find(results.fixedRate, 'gateway')];
  return [
    `Fixed rate ${rate} req/s (autocannon overallRate, ${rateConnections} connections), JSON, ${RATE_THINK_MS} ms upstream; the targets take turns in ${RATE_SLICE_S} s slices`,
    new Table(['', 'direct', 'bare proxy', 'gateway', 'gateway/proxy'])
      .row('achieved requests/s', fmt.rps(d.rps), fmt.rps(p.rps), fmt.rps(g.rps), '')
      .row('p50 (exact)', fmt.us(d.exactP50Us), fmt.us(p.exactP50Us), fmt.us(g.exactP50Us), '')
      .row('p99 (exact)', fmt.us(d.exactP99Us), fmt.us(p.exactP99Us), fmt.us(g.exactP99Us), '')
      .row('added p50 over direct', '', fmt.addUs(p.exactP50Us - d.exactP50Us), fmt.addUs(g.exactP50Us - d.exactP50Us), fmt.ratio(g.exactP50Us - d.exactP50Us, p.exactP50Us - d.exactP50Us))
      .row('added p99 over direct', '', fmt.addUs(p.exactP99Us - d.exactP99Us), fmt.addUs(g.exactP99Us - d.exactP99Us), fmt.ratio(g.exactP99Us - d.exactP99Us, p.exactP99Us - d.exactP99Us))
      .row('p50 / p99 (autocannon)', `${d.p50Ms} / ${d.p99Ms} ms`, `${p.p50Ms} / ${p.p99Ms} ms`, `${g.p50Ms} / ${g.p99Ms} ms`, '')
      .row('CPU per request (server)', fmt.us(d.cpuUsPerRequest), fmt.us(p.cpuUsPerRequest), fmt.us(g.cpuUsPerRequest), fmt.ratio(g.cpuUsPerRequest, p.cpuUsPerRequest))
      .toString(),
  ].join('\n');
}

/** One request of every kind through every server, so a misconfiguration fails loudly before any load. */
async function sanityCheck(mock: BenchChild, proxy: BenchChild, gateway: BenchChild, gatewayHeaders: Record<string, string>): Promise<void> {
  const post = async (url: string, headers: Record<string, string>, body: string) => {
    const answer = await fetch(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body });
    return { status: answer.status, headers: answer.headers, text: await answer.text() };
  };
  const expect = (what: string, ok: boolean, detail: string) => {
    if (!ok) throw new Error(`sanity check failed: ${what}: ${detail}\n--- gateway log ---\n${gateway.logTail()}`);
  };
  const upstream = { authorization: `Bearer ${OK_KEY}` };
  for (const [name, base, headers, prefix] of [
    ['direct', mock.url, upstream, mockBasePath(0)],
    ['bare proxy', proxy.url, upstream, mockBasePath(0)],
    ['gateway', gateway.url, gatewayHeaders, '/v1'],
  ] as const) {
    const json = await post(`${base}${prefix}/chat/completions`, headers, chatBody(MODEL.fast, false));
    expect(`${name} JSON`, json.status === 200 && json.text.includes('"choices"'), `${json.status} ${json.text.slice(0, 300)}`);
    const sse = await post(`${base}${prefix}/chat/completions`, headers, chatBody(MODEL.fast, true));
    const events = sse.text.split('\n\n').filter((e) => e.startsWith('data: {')).length;
    expect(`${name} SSE`, sse.status === 200 && events === STREAM_CHUNKS && sse.text.includes('data: [DONE]'), `${sse.status}, ${events} events: ${sse.text.slice(0, 300)}`);
  }
  for (const model of [MODEL.failoverKey, MODEL.failoverProvider]) {
    const answer = await post(`${gateway.url}/v1/chat/completions`, gatewayHeaders, chatBody(model, false));
    expect(`gateway failover (${model})`, answer.status === 200 && answer.headers.get('x-anyrouter-attempts') === '2', `${answer.status}, attempts ${answer.headers.get('x-anyrouter-attempts')}: ${answer.text.slice(0, 300)}`);
  }
  const denied = await post(`${gateway.url}/v1/chat/completions`, {}, chatBody(MODEL.fast, false));
  expect('gateway auth (a request without the key is refused)', denied.status === 401, `${denied.status}`);
}


/** The saturation figures of direct, bare proxy and gateway, with the gateway/proxy ratios. */
/** The gateway-and-proxy-at-once rounds: per round and median throughput ratio, and CPU per request. */
function togetherTable(results: Results): string {
  const t = results.together;
  if (!t) return '';
  const table = new Table(['', 'bare proxy', 'gateway', 'gateway/proxy']);
  t.gateway.forEach((g, i) => table.row(`round ${i + 1}: requests/s`, fmt.rps(t.proxy[i]!.rps), fmt.rps(g.rps), fmt.ratio(g.rps, t.proxy[i]!.rps)));
  table.row('median CPU per request (all threads)', fmt.us(median(t.proxy.map((r) => r.cpuUsPerRequest))), fmt.us(median(t.gateway.map((r) => r.cpuUsPerRequest))), fmt.ratio(median(t.gateway.map((r) => r.cpuUsPerRequest)), median(t.proxy.map((r) => r.cpuUsPerRequest))));
  const ratio = median(t.gateway.map((g, i) => g.rps / t.proxy[i]!.rps));
  table.row("median of the rounds' ratios", '', '', `${ratio.toFixed(2)}x`);
  return [
    '',
    `Saturation, JSON, c=${connections} each, gateway and bare proxy loaded at once (event loops sharing CPU 0, other threads on CPU 1): the machine's drift hits both alike`,
    table.toString(),
    `throughput gateway / bare proxy: ${ratio.toFixed(2)}x (target for issue 8: at least 0.5x, ${ratio >= 0.5 ? 'met' : 'NOT met'})`,
  ].join('\n');
}

function saturationTable(runs: MeasuredRun[]): string {
  const find = (name: string) => runs.find((r) => r.target === name)!;
  const [d, p, g] = [find('direct'), find('bare proxy'), find('gateway')];
  return new Table(['', 'direct', 'bare proxy', 'gateway', 'gateway/proxy'])
    .row('requests/s', fmt.rps(d.rps), fmt.rps(p.rps), fmt.rps(g.rps), fmt.ratio(g.rps, p.rps))
    .row('p50 (exact)', fmt.us(d.exactP50Us), fmt.us(p.exactP50Us), fmt.us(g.exactP50Us), fmt.ratio(g.exactP50Us, p.exactP50Us))
    .row('p99 (exact)', fmt.us(d.exactP99Us), fmt.us(p.exactP99Us), fmt.us(g.exactP99Us), fmt.ratio(g.exactP99Us, p.exactP99Us))
    .row('p50 / p99 (autocannon)', `${d.p50Ms} / ${d.p99Ms} ms`, `${p.p50Ms} / ${p.p99Ms} ms`, `${g.p50Ms} / ${g.p99Ms} ms`, '')
    .row('CPU per request (server)', fmt.us(d.cpuUsPerRequest), fmt.us(p.cpuUsPerRequest), fmt.us(g.cpuUsPerRequest), fmt.ratio(g.cpuUsPerRequest, p.cpuUsPerRequest))
    .row('errors + non-2xx', String(d.errors + d.non2xx + d.timeouts), String(p.errors + p.non2xx + p.timeouts), String(g.errors + g.non2xx + g.timeouts), '')
    .toString();
}

function print(results: Results, info: { proxyClient: string; gatewayFrom: string; seconds: number; elapsedS: number }): void {
  const out: string[] = [];
  const cpus = os.cpus();
  out.push('');
  out.push(`AnyRouter gateway bench${quick ? ' (--quick)' : ''}: Node ${process.version}, ${cpus.length} x ${cpus[0]?.model.trim() ?? 'cpu'}, loopback`);
  out.push(`  gateway node flags and environment as shipped in bin/anyrouter.js: ${[...Object.entries(SHIPPED_ENV).map(([k, v]) => `${k}=${v}`), ...SHIPPED_NODE_FLAGS].join(' ') || '(none)'}`);
  out.push(`  gateway: anyrouter serve from ${{ js: `${values.src ?? 'src/'} (transpiled by the bench)`, lib: 'lib/', tsx: 'src/ under tsx' }[info.gatewayFrom] ?? info.gatewayFrom} with a gateway key; bare proxy: node:http + ${info.proxyClient === 'undici' ? 'undici Pool.stream' : 'http.Agent keepAlive'}; mock upstream: own process`);
  out.push(`  load phases ${info.seconds} s each after a ${warmupSeconds} s warm-up; ratios are gateway / bare proxy in this run${profileDir ? '; PROFILED RUN: figures perturbed by --cpu-prof' : ''}`);
  out.push(`  load average (1 min) at start ${loadAtStart.toFixed(2)}, at the end ${os.loadavg()[0]!.toFixed(2)}: above ~1 other processes compete for the ${cpus.length} CPUs and absolute figures drift; CPU per request (process.cpuUsage of the server under test over the run; for direct, the mock's) is the least sensitive to that`);

  const sat = (title: string, runs: MeasuredRun[]) => out.push('', title, saturationTable(runs));
  sat(`Saturation, JSON, c=${connections}, 0 ms upstream`, results.saturation.json);
  sat(`Saturation, SSE (${STREAM_CHUNKS} chunks), c=${connections}, 0 ms upstream`, results.saturation.sse);
  out.push(togetherTable(results));

  out.push('', rateTable(results));

  const c1 = (title: string, list: ProbeSamples[], pick: (s: ProbeSamples) => Float64Array, count: number) => {
    const [d, p, g] = [find(list, 'direct'), find(list, 'bare proxy'), find(list, 'gateway')];
    const q = (s: ProbeSamples, at: number) => percentile(pick(s), at);
    out.push('', `${title} (c=1, ${count} per target, interleaved, hrtime)`);
    out.push(
      new Table(['', 'direct', 'bare proxy', 'gateway', 'gateway/proxy'])
        .row('p50', fmt.us(q(d, 0.5)), fmt.us(q(p, 0.5)), fmt.us(q(g, 0.5)), '')
        .row('p99', fmt.us(q(d, 0.99)), fmt.us(q(p, 0.99)), fmt.us(q(g, 0.99)), '')
        .row('added p50 over direct', '', fmt.addUs(q(p, 0.5) - q(d, 0.5)), fmt.addUs(q(g, 0.5) - q(d, 0.5)), fmt.ratio(q(g, 0.5) - q(d, 0.5), q(p, 0.5) - q(d, 0.5)))
        .row('added p99 over direct', '', fmt.addUs(q(p, 0.99) - q(d, 0.99)), fmt.addUs(q(g, 0.99) - q(d, 0.99)), fmt.ratio(q(g, 0.99) - q(d, 0.99), q(p, 0.99) - q(d, 0.99)))
        .toString(),
    );
  };
  c1('Added latency, JSON, 0 ms upstream', results.latency, (s) => s.totalUs, samples);
  {
    const d = find(results.latency, 'direct');
    const q = (s: ProbeSamples, at: number) => percentile(s.totalUs, at);
    out.push('', `Response cache, JSON (c=1, ${samples} per target, in the same interleaved rounds as above)`);
    const table = new Table(['', 'p50', 'p99', 'added p50 over direct', 'added p99 over direct']);
    for (const name of ['gateway', 'gateway, Cache-Control: no-store', 'gateway, cache hit']) {
      const s = find(results.latency, name);
      table.row(name, fmt.us(q(s, 0.5)), fmt.us(q(s, 0.99)), fmt.addUs(q(s, 0.5) - q(d, 0.5)), fmt.addUs(q(s, 0.99) - q(d, 0.99)));
    }
    out.push(table.toString());
  }
  c1(`Stream time to first token, ${STREAM_CHUNKS}-chunk SSE, 0 ms upstream`, results.ttft, (s) => s.firstTokenUs, streamSamples);
  c1(`Stream to the last byte, ${STREAM_CHUNKS}-chunk SSE, 0 ms upstream`, results.ttft, (s) => s.totalUs, streamSamples);

  {
    const [d, p, gk, gp] = results.failover as [ProbeSamples, ProbeSamples, ProbeSamples, ProbeSamples];
    const q = (s: ProbeSamples, at: number) => percentile(s.totalUs, at);
    out.push('', `Failover 429 then 200 (c=1, ${failoverSamples} per target, interleaved, hrtime; direct = the two upstream calls back to back)`);
    const table = new Table(['', 'p50', 'p99', 'added p50', 'added p99', 'p50 vs proxy']);
    table.row(d.name, fmt.us(q(d, 0.5)), fmt.us(q(d, 0.99)), '', '', '');
    for (const s of [p, gk, gp]) {
      const a50 = q(s, 0.5) - q(d, 0.5);
      table.row(s.name, fmt.us(q(s, 0.5)), fmt.us(q(s, 0.99)), fmt.addUs(a50), fmt.addUs(q(s, 0.99) - q(d, 0.99)), s === p ? '' : fmt.ratio(a50, q(p, 0.5) - q(d, 0.5)));
    }
    out.push(table.toString());
  }

  {
    out.push('', 'Memory (process.memoryUsage() reported by each child over IPC; then again after a full GC)');
    const table = new Table(['', 'process', 'rss', 'heap used', 'rss after GC', 'heap after GC']);
    for (const m of results.memory) table.row(m.when, m.process, fmt.mb(m.rss), fmt.mb(m.heapUsed), fmt.mb(m.afterGc?.rss ?? NaN), fmt.mb(m.afterGc?.heapUsed ?? NaN));
    out.push(table.toString());
    const g1 = results.memory.find((m) => m.process === 'gateway' && m.when.includes('run 1'))!;
    const g2 = results.memory.find((m) => m.process === 'gateway' && m.when.includes('run 2'))!;
    const pr = results.memory.find((m) => m.process === 'bare proxy' && m.when.startsWith('after'))!;
    const delta = (a: number, b: number) => `${b >= a ? '+' : '-'}${fmt.mb(Math.abs(b - a))}`;
    out.push(`  gateway / bare proxy RSS after JSON saturation: ${fmt.ratio(g1.rss, pr.rss)} (after GC ${fmt.ratio(g1.afterGc?.rss ?? NaN, pr.afterGc?.rss ?? NaN)})`);
    out.push(`  gateway peak RSS during JSON saturation: run 1 ${fmt.mb(results.peakRss[0] ?? NaN)}, run 2 ${fmt.mb(results.peakRss[1] ?? NaN)}`);
    out.push(`  gateway run 1 -> run 2: RSS ${fmt.mb(g1.rss)} -> ${fmt.mb(g2.rss)} (${delta(g1.rss, g2.rss)}); heap after GC ${fmt.mb(g1.afterGc?.heapUsed ?? NaN)} -> ${fmt.mb(g2.afterGc?.heapUsed ?? NaN)} (${delta(g1.afterGc?.heapUsed ?? NaN, g2.afterGc?.heapUsed ?? NaN)})`);
    const r2 = results.saturation.jsonRepeat!;
    out.push(`  gateway JSON saturation run 2: ${fmt.rps(r2.rps)}, p50 ${fmt.us(r2.exactP50Us)}, p99 ${fmt.us(r2.exactP99Us)} (run 1: ${fmt.rps(find(results.saturation.json, 'gateway').rps)})`);
  }

  {
    const json = results.saturation.json;
    const rateG = find(results.fixedRate, 'gateway');
    const rateD = find(results.fixedRate, 'direct');
    const rateP = find(results.fixedRate, 'bare proxy');
    const ttft = (name: string) => percentile(find(results.ttft, name).firstTokenUs, 0.5);
    const fo = results.failover;
    const foAdded = Math.max(percentile(fo[2]!.totalUs, 0.5), percentile(fo[3]!.totalUs, 0.5)) - percentile(fo[0]!.totalUs, 0.5);
    const g2 = results.memory.filter((m) => m.process === 'gateway').at(-1)!;
    const peak = Math.max(...results.peakRss, g2.rss);
    const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
    const sequential = find(json, 'gateway').rps / find(json, 'bare proxy').rps;
    // the rounds with both loaded at once: the machine's drift cancels there, not between sequential runs
    const t = results.together;
    const throughput = t ? median(t.gateway.map((g, i) => g.rps / t.proxy[i]!.rps)) : sequential;
    out.push('', 'Against the issue 8 targets (benchmark figures, not assertions)');
    out.push(
      new Table(['', 'measured', 'target', ''])
        .row(`throughput at c=${connections}, gateway / bare proxy${t ? ', loaded at once' : ''}`, `${throughput.toFixed(2)}x`, '>= 0.5x', check(throughput >= 0.5))
        .row(`  (the sequential runs above: ${sequential.toFixed(2)}x)`, '', '', '')
        .row(`added p99 at ${rate} req/s over direct`, fmt.addUs(rateG.exactP99Us - rateD.exactP99Us), '<= 1 ms', check(rateG.exactP99Us - rateD.exactP99Us <= 1000))
        .row(`  (bare proxy: ${fmt.addUs(rateP.exactP99Us - rateD.exactP99Us)})`, '', '', '')
        .row('stream time-to-first-token overhead p50', fmt.addUs(ttft('gateway') - ttft('direct')), '<= 1 ms', check(ttft('gateway') - ttft('direct') <= 1000))
        .row(`  (bare proxy: ${fmt.addUs(ttft('bare proxy') - ttft('direct'))}; the machine's floor: bench:loopback)`, '', '', '')
        .row('429 then 200: added beyond the two calls, p50', fmt.addUs(foAdded), '<= 2 ms', check(foAdded <= 2000))
        .row(`gateway RSS, peak during ${seconds} s saturation runs`, fmt.mb(peak), '< 150 MB', check(peak < 150 * 1024 * 1024))
        .row('planning, 2,000-model bundle', 'npm run bench:plan', '<= 5 µs', '')
        .toString(),
    );
  }
  out.push('', `done in ${info.elapsedS.toFixed(0)} s`);
  console.log(out.join('\n'));
}
