/**
 * Rolling per-upstream statistics: nearest-rank percentiles over the samples still in the window
 * (and within the ring's capacity), recomputed at most once per refresh interval.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pick, UpstreamStats, type Percentiles } from '../../src/runtime/policy/upstream-stats.js';

const QUANTILES = [
  ['p50', 50],
  ['p75', 75],
  ['p90', 90],
  ['p99', 99],
] as const;

/** Nearest rank, without floating point: the smallest value v with at least pct% of the samples <= v. */
function nearestRank(values: readonly number[], pct: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.find((v) => sorted.filter((x) => x <= v).length * 100 >= pct * sorted.length)!;
}

function oracle(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  return { p50: nearestRank(values, 50), p75: nearestRank(values, 75), p90: nearestRank(values, 90), p99: nearestRank(values, 99) };
}

const valueArb = fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 100_000 }), fc.double({ min: 0.001, max: 1e6, noNaN: true }));

describe('nearest-rank percentiles', () => {
  it('pick returns the nearest-rank percentile of sorted samples', () => {
    fc.assert(
      fc.property(fc.array(valueArb, { minLength: 1, maxLength: 400 }), (values) => {
        const sorted = [...values].sort((a, b) => a - b);
        for (const [, pct] of QUANTILES) expect(pick(sorted, pct / 100)).toBe(nearestRank(values, pct));
      }),
      { numRuns: 200 },
    );
  });

  it('is exact at sizes where q * n is an integer in decimal but not in binary', () => {
    for (let n = 1; n <= 1000; n++) {
      const sorted = Array.from({ length: n }, (_, i) => i);
      for (const [, pct] of QUANTILES) expect(pick(sorted, pct / 100)).toBe(Math.max(1, Math.ceil((pct * n) / 100)) - 1);
    }
  });
});

interface Sample {
  gap: number;
  value: number;
}

const seriesArb = fc.record({
  capacity: fc.integer({ min: 1, max: 40 }),
  windowMs: fc.integer({ min: 1, max: 5_000 }),
  samples: fc.array(fc.record({ gap: fc.integer({ min: 0, max: 400 }), value: fc.integer({ min: 1, max: 10_000 }) }), { maxLength: 120 }),
  queryAfter: fc.integer({ min: 0, max: 3_000 }),
});

function record(stats: UpstreamStats, samples: readonly Sample[], t0: number): Array<{ at: number; value: number }> {
  let t = t0;
  return samples.map((s) => {
    t += s.gap;
    stats.recordTtfb('a/m', t, s.value);
    stats.recordThroughput('a/m', t, s.value);
    return { at: t, value: s.value };
  });
}

describe('UpstreamStats', () => {
  it('percentiles cover the last `capacity` samples that are inside the window', () => {
    fc.assert(
      fc.property(seriesArb, ({ capacity, windowMs, samples, queryAfter }) => {
        const stats = new UpstreamStats({ capacity, windowMs, refreshMs: 1_000 });
        const recorded = record(stats, samples, 1_000_000);
        const now = (recorded.at(-1)?.at ?? 1_000_000) + queryAfter;
        const live = recorded.slice(-capacity).filter((s) => now - s.at <= windowMs).map((s) => s.value);
        expect(stats.ttfbPercentiles('a/m', now)).toEqual(oracle(live));
        expect(stats.throughputPercentiles('a/m', now)).toEqual(oracle(live));
        const snapshot = stats.snapshot('a/m', now);
        expect(snapshot.samples).toBe(Math.min(capacity, samples.length));
        expect(snapshot.ttfbMs).toEqual(oracle(live));
      }),
      { numRuns: 200 },
    );
  });

  it('a result is reused within the refresh interval, new samples included (so a busy upstream is not re-sorted per request)', () => {
    fc.assert(
      fc.property(seriesArb, fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 0, max: 3_000 }), ({ capacity, windowMs, samples }, refreshMs, later) => {
        fc.pre(samples.length > 0);
        const stats = new UpstreamStats({ capacity, windowMs, refreshMs });
        const recorded = record(stats, samples, 1_000_000);
        const now = recorded.at(-1)!.at;
        const first = stats.ttfbPercentiles('a/m', now);
        const again = stats.ttfbPercentiles('a/m', now + later);
        const live = (t: number) => recorded.slice(-capacity).filter((s) => t - s.at <= windowMs).map((s) => s.value);
        expect(again).toEqual(later < refreshMs ? first : oracle(live(now + later)));
        stats.recordTtfb('a/m', now + later, 123_456);
        const withNew = [...recorded, { at: now + later, value: 123_456 }];
        const fresh = withNew.slice(-capacity).filter((s) => now + later - s.at <= windowMs).map((s) => s.value);
        // the last computation is at most refreshMs old here, so it stands; only a cache of nothing yields to the sample
        expect(stats.ttfbPercentiles('a/m', now + later)).toEqual(again !== undefined ? again : oracle(fresh));
        expect(stats.ttfbPercentiles('a/m', now + later + refreshMs)).toEqual(oracle(withNew.slice(-capacity).filter((s) => now + later + refreshMs - s.at <= windowMs).map((s) => s.value)));
      }),
      { numRuns: 200 },
    );
  });

  it('unknown upstreams have no percentiles; throughput ignores non-positive and non-finite rates', () => {
    const stats = new UpstreamStats();
    expect(stats.ttfbPercentiles('x/y', 0)).toBeUndefined();
    expect(stats.snapshot('x/y', 0)).toEqual({ samples: 0 });
    for (const rate of [0, -5, Number.NaN, Number.POSITIVE_INFINITY]) stats.recordThroughput('x/y', 0, rate);
    expect(stats.throughputPercentiles('x/y', 0)).toBeUndefined();
    stats.recordThroughput('x/y', 0, 40);
    expect(stats.throughputPercentiles('x/y', 0)).toEqual({ p50: 40, p75: 40, p90: 40, p99: 40 });
  });
});
