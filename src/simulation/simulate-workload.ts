/**
 * A synthetic workload through the real planner and attempt loop, against simulated upstreams on a fake
 * clock. Deterministic for a seed: the same bundle, options and seed give the same report.
 */
import type { RoutingBundle } from '../bundle/format.js';
import { runAttempts } from '../runtime/engine/attempt-loop.js';
import { HealthState } from '../runtime/engine/health.js';
import type { UpstreamOutcome } from '../runtime/engine/outcome.js';
import { planRoute } from '../runtime/policy/plan-route.js';
import { resolveTarget } from '../runtime/policy/request-target.js';
import type { RoutedCandidate } from '../runtime/policy/rank-candidates.js';
import { UpstreamStats, pick } from '../runtime/policy/upstream-stats.js';
import { buildRoutingTable, loopSettings } from '../runtime/routing-table.js';
import type { Fault } from './fault-spec.js';
import { EventClock } from './event-clock.js';
import { seededRandom } from './seeded-random.js';

export interface SimulationOptions {
  requests: number;
  /** Model to ask for; every request picks a random catalog model when absent. */
  model?: string;
  faults: Fault[];
  seed: number;
  /** Time between request arrivals (ms of simulated time). */
  intervalMs: number;
  /** Requests in flight at most (a request that arrives while all are busy waits for one to end); default 1. */
  concurrency?: number;
  /** Share of requests that stream (a `cut` fault ends a stream after its first chunks; a JSON answer it fails as a reset); default 0.5. */
  streamShare?: number;
  /** Median simulated upstream latency (ms); each call varies around it. */
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
}

export interface SimulationReport {
  requests: number;
  succeeded: number;
  /** Streams cut by the upstream after their first chunk: served, but not whole; left out of `successRate`. */
  cutMidStream: number;
  /** Succeeded over the requests not cut mid-stream. */
  successRate: number;
  attemptsPerRequest: number;
  /** Share of served requests per provider, and per provider#key. */
  servedByUpstream: Record<string, number>;
  servedByKey: Record<string, number>;
  /** Failed attempts per provider and error class. */
  failuresByUpstream: Record<string, Record<string, number>>;
  /** Requests routed in panic mode (every upstream ejected). */
  panicRequests: number;
  costUsd: number;
  latencyMs: { p50: number; p99: number };
  seed: number;
}

/** The simulation's `model` is not one the gateway would route (not in the catalog, an unknown preset). */
export class UnroutableModelError extends Error {}

export function simulateWorkload(bundle: RoutingBundle, options: SimulationOptions): Promise<SimulationReport> {
  const random = seededRandom(options.seed);
  // every key counts as set: the simulation is about routing, not about this machine's environment
  const env = Object.fromEntries(Object.values(bundle.providers).flatMap((p) => p.keys.map((k) => [k.env, 'simulated'])));
  const table = buildRoutingTable(bundle, env, random);
  if (options.model !== undefined) {
    // checked before the first request, so a typo is one message rather than a failure per request
    const target = resolveTarget(table, { model: options.model });
    if ('status' in target) return Promise.reject(new UnroutableModelError(target.message));
  }
  const health = new HealthState();
  const stats = new UpstreamStats();
  const start = Date.UTC(2026, 0, 1);
  const clock = new EventClock(start);
  const faults = new Map<string, Fault[]>();
  for (const f of options.faults) faults.set(f.provider.toLowerCase(), [...(faults.get(f.provider.toLowerCase()) ?? []), f]);
  const modelIds = bundle.models.map((m) => m.id);
  const streamShare = options.streamShare ?? 0.5;
  return run();

  async function run(): Promise<SimulationReport> {
    let succeeded = 0;
    let cut = 0;
    let attempts = 0;
    let panics = 0;
    let costUsd = 0;
    const servedByUpstream: Record<string, number> = {};
    const servedByKey: Record<string, number> = {};
    const failuresByUpstream: Record<string, Record<string, number>> = {};
    const latencies: number[] = [];

    const one = async (i: number): Promise<void> => {
      const arrival = start + i * options.intervalMs;
      if (clock.now() < arrival) await clock.sleep(arrival - clock.now());
      const model = options.model ?? modelIds[Math.floor(random() * modelIds.length)]!;
      const stream = random() < streamShare;
      const body = { model, messages: [{ role: 'user', content: 'simulated' }] };
      const now = clock.now();
      const route = planRoute({ table, body, rawLength: 64, health, stats: { ttfb: (u) => stats.ttfbPercentiles(u, now), throughput: () => undefined, latencyEwma: (u) => stats.latencyEwma(u) }, now, random });
      if ('status' in route) throw new Error(`cannot route '${model}': ${route.message}`);
      if (route.plan.panic) panics++;
      let wasCut = false;
      const result = await runAttempts<null>({
        plan: route.plan,
        health,
        clock,
        sleep: (ms) => clock.sleep(ms),
        keyUsable: route.keyUsable,
        settings: loopSettings(table, now + bundle.routing.requestTimeoutMs),
        transport: async ({ candidate, firstByteBy }) => {
          const provider = table.providers.get(candidate.provider.id)!;
          const latency = Math.round(options.latencyMs * (0.5 + random()));
          let outcome = simulatedOutcome(faults.get(provider.id.toLowerCase()) ?? [], random);
          if (outcome === 'cut') {
            if (stream) wasCut = true;
            outcome = stream ? OK : { kind: 'failure', reason: 'reset', message: 'simulated cut' };
          }
          const timeouts = provider.spec.timeouts;
          const began = clock.now();
          const hung = outcome.kind === 'failure' && outcome.reason === 'timeout';
          await clock.sleep(hung ? Math.max(1, Math.min(timeouts.firstByteMs, timeouts.totalMs, firstByteBy - began)) : latency);
          if (outcome.kind === 'response' && outcome.status < 300) stats.recordTtfb(candidate.upstream, clock.now(), latency);
          return outcome;
        },
      });
      attempts += result.attempts.length;
      for (const a of result.attempts) {
        if (a.outcome === 'success') continue;
        const byClass = (failuresByUpstream[a.provider] ??= {});
        byClass[a.errorClass ?? a.outcome] = (byClass[a.errorClass ?? a.outcome] ?? 0) + 1;
      }
      latencies.push(clock.now() - now);
      if (result.kind !== 'served') return;
      if (wasCut) {
        cut++;
        return;
      }
      succeeded++;
      const served = result.attempts[result.attempts.length - 1]!;
      servedByUpstream[served.provider] = (servedByUpstream[served.provider] ?? 0) + 1;
      servedByKey[`${served.provider}#${served.key}`] = (servedByKey[`${served.provider}#${served.key}`] ?? 0) + 1;
      const candidate = route.plan.order.find((c) => c.upstream === served.upstream) as RoutedCandidate;
      const p = candidate.pricing;
      costUsd += (p.prompt * options.promptTokens + p.completion * options.completionTokens) / 1e6 + (p.request ?? 0);
    };

    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < options.requests) await one(next++);
    };
    const workers = Math.max(1, Math.min(options.concurrency ?? 1, options.requests));
    await clock.run(Array.from({ length: workers }, worker));

    const share = (counts: Record<string, number>) => Object.fromEntries(Object.keys(counts).sort().map((k) => [k, round(counts[k]! / Math.max(1, succeeded))]));
    const sorted = latencies.sort((a, b) => a - b);
    return {
      requests: options.requests,
      succeeded,
      cutMidStream: cut,
      successRate: round(succeeded / Math.max(1, options.requests - cut)),
      attemptsPerRequest: round(attempts / Math.max(1, options.requests)),
      servedByUpstream: share(servedByUpstream),
      servedByKey: share(servedByKey),
      failuresByUpstream: Object.fromEntries(Object.keys(failuresByUpstream).sort().map((k) => [k, failuresByUpstream[k]!])),
      panicRequests: panics,
      costUsd: Math.round(costUsd * 1e6) / 1e6,
      latencyMs: sorted.length > 0 ? { p50: pick(sorted, 0.5), p99: pick(sorted, 0.99) } : { p50: 0, p99: 0 },
      seed: options.seed,
    };
  }
}

const OK: UpstreamOutcome<null> = { kind: 'response', status: 200, headers: {}, body: null };

function simulatedOutcome(faults: Fault[], random: () => number): UpstreamOutcome<null> | 'cut' {
  for (const fault of faults) {
    if (random() >= fault.rate) continue;
    if (fault.kind === 'cut') return 'cut';
    if (typeof fault.kind === 'number') {
      return { kind: 'response', status: fault.kind, headers: fault.kind === 429 ? { 'retry-after': String(fault.retryAfterSeconds) } : {}, body: null };
    }
    return { kind: 'failure', reason: fault.kind, message: `simulated ${fault.kind}` };
  }
  return OK;
}

function round(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
