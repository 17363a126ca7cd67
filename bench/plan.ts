/**
 * Planning micro-benchmark: resolving and planning one request (planRoute over a routing table from
 * buildRoutingTable) against a generated 2,000-model x 5-upstream bundle, the catalogue bench/compile.ts
 * compiles. Warm, many iterations per round, median of several rounds; requests rotate over 1,024
 * different models so that the lookups do not all hit one hot entry.
 *
 * The runtime modules are imported from a plain-JS copy of src/ (bench/transpile.ts), not through tsx:
 * tsx transpiles with esbuild's keepNames, which wraps every function expression in a `__name(fn, ...)`
 * call (an Object.defineProperty each time a closure is created) and so slows per-request code that
 * creates closures. `--from tsx` measures that variant.
 * Run: npm run bench:plan [-- --models N --upstreams K --rounds R --round-ms MS --from js|tsx]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { compile } from '../src/compiler/compile.js';
import type { RouteInput } from '../src/runtime/policy/plan-route.js';
import type { RoutingTable } from '../src/runtime/routing-table.js';
import { catalogEnv, CATALOG_PROVIDERS, writeCatalogConfig } from './catalog-config.js';
import { median, Table } from './report.js';
import { repoRoot, transpileForChildren } from './transpile.js';

const { values } = parseArgs({
  options: {
    models: { type: 'string', default: '2000' },
    upstreams: { type: 'string', default: '5' },
    rounds: { type: 'string', default: '7' },
    'round-ms': { type: 'string', default: '250' },
    from: { type: 'string', default: 'js' },
  },
});
if (values.from !== 'js' && values.from !== 'tsx') throw new Error(`--from takes js or tsx, not '${values.from}'`);
const modelCount = Number(values.models);
const upstreamCount = Number(values.upstreams);
const rounds = Number(values.rounds);
const roundMs = Number(values['round-ms']);

const MESSAGES = [
  { role: 'system', content: 'You are a concise assistant.' },
  { role: 'user', content: 'Explain in two sentences why keep-alive connection pools matter for tail latency.' },
];

interface Sample {
  body: Record<string, unknown>;
  rawLength: number;
  raw: string;
}

const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-bench-plan-'));
try {
  // the runtime's modules, from the plain-JS copy (default) or the .ts sources through tsx
  let runtime = path.join(repoRoot, 'src');
  let ext = '.ts';
  if (values.from === 'js') {
    await transpileForChildren(path.join(dir, 'js'));
    runtime = path.join(dir, 'js/src');
    ext = '.js';
  }
  const load = async <T>(module: string): Promise<T> => (await import(pathToFileURL(path.join(runtime, module + ext)).href)) as T;
  const { HealthState, upstreamId } = await load<typeof import('../src/runtime/engine/health.js')>('runtime/engine/health');
  const { planRoute } = await load<typeof import('../src/runtime/policy/plan-route.js')>('runtime/policy/plan-route');
  const { resolveTarget } = await load<typeof import('../src/runtime/policy/request-target.js')>('runtime/policy/request-target');
  const { UpstreamStats } = await load<typeof import('../src/runtime/policy/upstream-stats.js')>('runtime/policy/upstream-stats');
  const { buildRoutingTable } = await load<typeof import('../src/runtime/routing-table.js')>('runtime/routing-table');

  const started = performance.now();
  const compiled = await compile(await writeCatalogConfig(dir, modelCount, upstreamCount));
  const errors = compiled.diagnostics.filter((d) => d.severity === 'error');
  if (!compiled.bundle || errors.length > 0) throw new Error(`the generated config does not compile: ${errors.map((d) => d.message).join('; ')}`);
  const bundle = compiled.bundle;
  const table: RoutingTable = buildRoutingTable(bundle, catalogEnv(), () => 0.5);
  const compileSeconds = (performance.now() - started) / 1000;
  // the same catalogue with every model's upstreams sharing one priority (weights 1 and 2): a split drawn per request
  const tiedBundle = (balance: 'weight' | 'latency') => ({
    ...bundle,
    models: bundle.models.map((m) => ({ ...m, balance, candidates: m.candidates.map((c, i) => ({ ...c, priority: 1, weight: 1 + (i % 2) })) })),
  });
  const tiedTables = { weight: buildRoutingTable(tiedBundle('weight'), catalogEnv(), () => 0.5), latency: buildRoutingTable(tiedBundle('latency'), catalogEnv(), () => 0.5) };

  const health = new HealthState();
  const stats = new UpstreamStats();
  const now0 = Date.now();
  // live latency figures for every upstream, so a latency sort has numbers to compare
  for (const model of table.models.values()) for (const c of model.candidates) if (stats.ttfbPercentiles(c.upstream, now0) === undefined) for (let i = 0; i < 8; i++) stats.recordTtfb(c.upstream, now0 - i * 1000, 100 + ((i * 37 + c.upstream.length) % 200));

  const picks = Array.from({ length: 1024 }, (_, i) => (i * 7919) % modelCount);
  const sample = (body: Record<string, unknown>): Sample => {
    const raw = JSON.stringify(body);
    return { body, rawLength: Buffer.byteLength(raw), raw };
  };
  const scenarios: Array<{ name: string; samples: Sample[]; cool?: boolean; tied?: 'weight' | 'latency' }> = [
    { name: 'canonical id', samples: picks.map((m) => sample({ model: `vendor${m % 50}/model-${m}`, messages: MESSAGES })) },
    { name: 'alias', samples: picks.map((m) => sample({ model: `m${m}`, messages: MESSAGES, max_tokens: 256, temperature: 0.2 })) },
    { name: 'alias + 2 fallback models', samples: picks.map((m) => sample({ model: `m${m}`, models: [`model-${(m + 1) % modelCount}`, `model-${(m + 2) % modelCount}`], messages: MESSAGES })) },
    { name: 'preset (@preset/pN, sort by price)', samples: picks.map((m) => sample({ model: `@preset/p${m % 20}`, messages: MESSAGES })) },
    { name: 'provider.sort latency', samples: picks.map((m) => sample({ model: `m${m}`, provider: { sort: 'latency' }, messages: MESSAGES })) },
    { name: 'provider.only + max_price', samples: picks.map((m) => sample({ model: `m${m}`, provider: { only: CATALOG_PROVIDERS.slice(0, 5), max_price: { prompt: 3 } }, messages: MESSAGES })) },
    { name: 'alias, primary upstream cooling down', samples: picks.map((m) => sample({ model: `m${m}`, messages: MESSAGES })), cool: true },
    { name: `alias, ${upstreamCount} upstreams of one priority (weights)`, samples: picks.map((m) => sample({ model: `m${m}`, messages: MESSAGES })), tied: 'weight' },
    { name: `alias, ${upstreamCount} upstreams of one priority (latency)`, samples: picks.map((m) => sample({ model: `m${m}`, messages: MESSAGES })), tied: 'latency' },
  ];

  const input = (s: Sample, on: RoutingTable = table): RouteInput => {
    const now = Date.now();
    // as the gateway reads them per request (two closures made here would be timed too, and under tsx
    // each closure made costs an Object.defineProperty of its name)
    return { table: on, body: s.body, rawLength: s.rawLength, health, stats: stats.liveAt(now), now };
  };
  let sink = 0;

  /** One line of the table: a request shape and what is timed for it. */
  interface Line {
    name: string;
    samples: Sample[];
    run: (s: Sample) => number;
    /** Puts the health state this line needs in place (a cooling primary, or none). */
    prepare: () => void;
    iterations: number;
    results: number[];
  }
  const pass = (line: Line, n: number) => {
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) sink += line.run(line.samples[i & 1023]!);
    return Number(process.hrtime.bigint() - start) / 1000;
  };
  const coolPrimaries = () => {
    for (const m of picks) {
      const model = table.models.get(`m${m}`);
      const first = model?.candidates[0];
      if (first) health.coolUpstream(upstreamId(first.provider.id, first.model), Date.now() + 3_600_000, 'bench', Date.now());
    }
  };
  const plan = (s: Sample) => {
    const route = planRoute(input(s));
    return 'status' in route ? -1 : route.plan.order.length;
  };
  const planOn = (on: RoutingTable) => (s: Sample) => {
    const route = planRoute(input(s, on));
    return 'status' in route ? -1 : route.plan.order.length;
  };
  const lines: Line[] = scenarios.map((scenario) => ({
    name: `planRoute: ${scenario.name}`,
    samples: scenario.samples,
    run: scenario.tied ? planOn(tiedTables[scenario.tied]) : plan,
    prepare: () => {
      health.upstreams.clear();
      if (scenario.cool) coolPrimaries();
    },
    iterations: 0,
    results: [],
  }));
  const alias = scenarios[1]!.samples;
  const healthy = () => health.upstreams.clear();
  const resolveOnly = (s: Sample) => {
    const target = resolveTarget(table, s.body);
    return 'status' in target ? -1 : target.models.length;
  };
  const parseAndPlan = (s: Sample) => {
    const route = planRoute({ ...input(s), body: JSON.parse(s.raw) as Record<string, unknown> });
    return 'status' in route ? -1 : route.plan.order.length;
  };
  lines.push({ name: 'resolveTarget only: alias', samples: alias, run: resolveOnly, prepare: healthy, iterations: 0, results: [] });
  lines.push({ name: 'JSON.parse + planRoute: alias', samples: alias, run: parseAndPlan, prepare: healthy, iterations: 0, results: [] });
  // every line checked, warmed up and calibrated to ~roundMs per round
  for (const line of lines) {
    line.prepare();
    if (line.run(line.samples[0]!) < 0) throw new Error(`${line.name}: the request was refused`);
    let n = 1024;
    while (pass(line, n) < roundMs * 1000 * 0.25) n *= 2;
    const perCall = pass(line, n) / n;
    line.iterations = Math.max(1024, Math.round((roundMs * 1000) / perCall));
  }
  // rounds taken in turns: the VM's drift (tens of percent over a minute) spreads over every line
  for (let r = 0; r < rounds; r++) {
    for (const line of lines) {
      line.prepare();
      line.results.push(pass(line, line.iterations) / line.iterations);
    }
  }
  const out = new Table(['request', 'µs / request (median)', 'min of rounds', 'iterations / round']);
  for (const line of lines) out.row(line.name, median(line.results).toFixed(2), Math.min(...line.results).toFixed(2), line.iterations.toLocaleString('en-US'));

  console.log(`planning against ${bundle.models.length} models x ${upstreamCount} upstreams (${table.models.size} names; bundle compiled in ${compileSeconds.toFixed(1)} s)`);
  console.log(`${rounds} rounds of ~${roundMs} ms per line, the lines taking turns, after a warm-up; runtime from ${values.from === 'js' ? 'plain JS (esbuild, no keepNames)' : 'src/ through tsx (keepNames)'}; Node ${process.version}; goal: <= 5 µs per request`);
  console.log(out.toString());
  if (sink === 0.5) console.log(''); // keeps the results alive
} finally {
  await rm(dir, { recursive: true, force: true });
}
