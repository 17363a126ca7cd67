/**
 * Load generation for the gateway bench.
 *   - autocannon (programmatic) at fixed concurrency or a fixed overall rate; besides autocannon's own
 *     1 ms-bucket histogram, every response time (hrtime, fractional ms) is kept for exact percentiles;
 *   - a microsecond client at c=1: one keep-alive undici Client per target, requests interleaved across
 *     targets so drift (CPU frequency, GC, other load) hits them all alike, timed with process.hrtime.
 */
import autocannon, { type Result } from 'autocannon';
import { Client } from 'undici';
import { percentile } from './report.js';

export interface HttpTarget {
  name: string;
  /** Full URL, path included. */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface LoadRun {
  target: string;
  /** Completed 2xx responses per second over the run. */
  rps: number;
  requests: number;
  seconds: number;
  /** Autocannon's percentiles (1 ms buckets). */
  p50Ms: number;
  p99Ms: number;
  /** Exact percentiles of every response time (µs resolution). */
  exactP50Us: number;
  exactP99Us: number;
  /** Every 2xx response time in ms, sorted (for merging runs). */
  times: Float64Array;
  errors: number;
  timeouts: number;
  non2xx: number;
  statuses: Record<string, number>;
}

export interface LoadOptions {
  connections: number;
  seconds: number;
  /** Requests per second over all connections; absent = as fast as possible. */
  overallRate?: number;
  /** Responses left out of the figures at the start (those that opened the run's connections). */
  skipFirst?: number;
}

export async function runAutocannon(target: HttpTarget, options: LoadOptions): Promise<LoadRun> {
  const times: number[] = [];
  const instance = autocannon({
    url: target.url,
    method: 'POST',
    headers: { ...target.headers, 'content-type': 'application/json' },
    body: target.body,
    connections: options.connections,
    pipelining: 1,
    duration: options.seconds,
    timeout: 10,
    ...(options.overallRate !== undefined ? { overallRate: options.overallRate, ignoreCoordinatedOmission: true } : {}),
  });
  let skip = options.skipFirst ?? 0;
  instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (skip > 0) skip--;
    else if (status >= 200 && status < 300) times.push(ms);
  });
  const result: Result = await instance;
  const sorted = Float64Array.from(times).sort();
  const statuses: Record<string, number> = {};
  for (const [status, { count }] of Object.entries(result.statusCodeStats)) statuses[status] = count;
  return {
    target: target.name,
    rps: times.length / result.duration,
    requests: times.length,
    seconds: result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    exactP50Us: percentile(sorted, 0.5) * 1000,
    exactP99Us: percentile(sorted, 0.99) * 1000,
    times: sorted,
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    statuses,
  };
}

export interface Timing {
  /** Microseconds from sending the request to the end of the answer. */
  totalUs: number;
  /** Microseconds to the first body chunk carrying a token (`"content"`); = totalUs when none did. */
  firstTokenUs: number;
}

/** One timed request-response (or a sequence of them) at c=1. */
export interface Probe {
  name: string;
  run(): Promise<Timing>;
  close(): Promise<void>;
}

const TOKEN_MARK = Buffer.from('"content"');

export interface ProbeStep {
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Status this step must answer (default 200). */
  expect?: number;
}

/**
 * A probe over its own keep-alive connection to `origin`: one request, or several in sequence (the direct
 * baseline of a failover is the 429 call followed by the 200 call). Time to first token counts from the
 * first request to the first token of the last answer.
 */
export function httpProbe(name: string, origin: string, steps: ProbeStep[]): Probe {
  const client = new Client(origin, { pipelining: 1, keepAliveTimeout: 60_000 });
  const requests = steps.map((s) => ({ method: 'POST' as const, path: s.path, headers: { ...s.headers, 'content-type': 'application/json' }, body: s.body, expect: s.expect ?? 200 }));
  const last = requests.length - 1;
  return {
    name,
    async run() {
      const start = process.hrtime.bigint();
      let first: bigint | undefined;
      for (let i = 0; i <= last; i++) {
        const step = requests[i]!;
        const answer = await client.request(step);
        for await (const chunk of answer.body as AsyncIterable<Buffer>) {
          if (first === undefined && i === last && chunk.includes(TOKEN_MARK)) first = process.hrtime.bigint();
        }
        if (answer.statusCode !== step.expect) throw new Error(`${name}: ${step.path} answered ${answer.statusCode}, expected ${step.expect}`);
      }
      const end = process.hrtime.bigint();
      return { totalUs: Number(end - start) / 1000, firstTokenUs: Number((first ?? end) - start) / 1000 };
    },
    close: () => client.close(),
  };
}

export interface ProbeSamples {
  name: string;
  totalUs: Float64Array;
  firstTokenUs: Float64Array;
}

/**
 * `count` timed runs of every probe, interleaved (the order rotates each round), after `warmup` untimed
 * rounds. Sequential: one request in flight at any time.
 */
export async function interleave(probes: Probe[], count: number, warmup: number): Promise<ProbeSamples[]> {
  const samples = probes.map((p) => ({ name: p.name, totalUs: new Float64Array(count), firstTokenUs: new Float64Array(count) }));
  for (let round = -warmup; round < count; round++) {
    for (let k = 0; k < probes.length; k++) {
      const index = (Math.max(round, 0) + k) % probes.length;
      const timing = await probes[index]!.run();
      if (round >= 0) {
        samples[index]!.totalUs[round] = timing.totalUs;
        samples[index]!.firstTokenUs[round] = timing.firstTokenUs;
      }
    }
  }
  for (const s of samples) {
    s.totalUs.sort();
    s.firstTokenUs.sort();
  }
  return samples;
}

/** Several runs of one target as one: their response times pooled, their counts summed. */
export function mergeRuns<T extends LoadRun>(runs: readonly T[], extra: (runs: readonly T[]) => Omit<T, keyof LoadRun>): T {
  const times = new Float64Array(runs.reduce((n, r) => n + r.times.length, 0));
  let at = 0;
  for (const r of runs) {
    times.set(r.times, at);
    at += r.times.length;
  }
  times.sort();
  const seconds = runs.reduce((n, r) => n + r.seconds, 0);
  const statuses: Record<string, number> = {};
  for (const r of runs) for (const [status, count] of Object.entries(r.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  const sum = (pick: (r: LoadRun) => number) => runs.reduce((n, r) => n + pick(r), 0);
  const merged: LoadRun = {
    target: runs[0]!.target,
    rps: times.length / seconds,
    requests: times.length,
    seconds,
    p50Ms: Math.max(...runs.map((r) => r.p50Ms)),
    p99Ms: Math.max(...runs.map((r) => r.p99Ms)),
    exactP50Us: percentile(times, 0.5) * 1000,
    exactP99Us: percentile(times, 0.99) * 1000,
    times,
    errors: sum((r) => r.errors),
    timeouts: sum((r) => r.timeouts),
    non2xx: sum((r) => r.non2xx),
    statuses,
  };
  return { ...merged, ...extra(runs) } as T;
}
