import fc from 'fast-check';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../src/runtime/observability/request-record.js';
import { SqliteRequestStore } from '../../src/runtime/observability/sqlite-store.js';
import { attempt, record, tempDir } from './fixtures.js';

const HOUR = 3_600_000;
const DAY0 = Date.UTC(2026, 2, 1); // a UTC midnight
const H0 = DAY0 + 5 * HOUR;

/** Nearest rank: the value at 1-based rank ceil(p/100 * n) of the sorted values. */
function nearestRank(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

let store: SqliteRequestStore;
let cleanup: () => void;

beforeAll(() => {
  const t = tempDir();
  cleanup = t.cleanup;
  store = new SqliteRequestStore({ path: join(t.dir, 'usage.db') });
  const rows: RequestRecord[] = [];
  // model A, hour 0: latencies 10..100, two failed
  for (let i = 1; i <= 10; i++) {
    rows.push(record({ id: `a0-${i}`, time: H0 + i * 1000, servedModel: 'A', gatewayKey: 'k1', app: { title: 'app1' }, user: 'alice', latencyMs: i * 10, status: i <= 2 ? 500 : 200, tokens: { prompt: 100, completion: 10, cached: 40, reasoning: 2 }, costUsd: 0.001, attempts: [attempt({ upstream: 'p/A' })] }));
  }
  // model A, hour 1: latencies 1..100 in shuffled order, one stream broken after a 200
  for (let i = 1; i <= 100; i++) {
    const latency = ((i * 37) % 100) + 1;
    rows.push(record({ id: `a1-${i}`, time: H0 + HOUR + i * 1000, servedModel: 'A', gatewayKey: 'k2', app: {}, latencyMs: latency, status: 200, errorClass: i === 50 ? 'stream_broken' : undefined, tokens: { prompt: 10, completion: 5, cached: 0, reasoning: 0 }, costUsd: 0.0000015, attempts: [attempt({ upstream: 'p/A' })] }));
  }
  // model B, hour 0: one request, no usage reported, no attempt made
  rows.push(record({ id: 'b0', time: H0 + 500, servedModel: 'B', gatewayKey: 'k1', app: { referer: 'https://b.example' }, user: 'bob', latencyMs: 7, status: 429, tokens: undefined, costUsd: undefined, attempts: [] }));
  // outside the queried range
  rows.push(record({ id: 'late', time: DAY0 + 2 * 86_400_000, servedModel: 'A', latencyMs: 99_999 }));
  store.insertBatch(rows);
});
afterAll(() => {
  store.close();
  cleanup();
});

const range = { from: DAY0, to: DAY0 + 86_400_000 };

describe('usage', () => {
  it('aggregates by model and hour: requests, tokens, cost, error rate, p50/p99', () => {
    const rows = store.usage({ groupBy: 'model', bucket: 'hour', ...range });
    expect(rows).toEqual([
      { bucketStart: H0, group: 'A', requests: 10, failed: 2, errorRate: 0.2, promptTokens: 1000, completionTokens: 100, cachedTokens: 400, reasoningTokens: 20, costUsd: 0.01, p50LatencyMs: 50, p99LatencyMs: 100 },
      { bucketStart: H0, group: 'B', requests: 1, failed: 1, errorRate: 1, promptTokens: 0, completionTokens: 0, cachedTokens: 0, reasoningTokens: 0, costUsd: 0, p50LatencyMs: 7, p99LatencyMs: 7 },
      { bucketStart: H0 + HOUR, group: 'A', requests: 100, failed: 1, errorRate: 0.01, promptTokens: 1000, completionTokens: 500, cachedTokens: 0, reasoningTokens: 0, costUsd: 0.00015, p50LatencyMs: 50, p99LatencyMs: 99 },
    ]);
  });

  it('aggregates by day, with percentiles over the whole day', () => {
    const rows = store.usage({ groupBy: 'model', bucket: 'day', ...range });
    const aLatencies = [...Array.from({ length: 10 }, (_, i) => (i + 1) * 10), ...Array.from({ length: 100 }, (_, i) => i + 1)];
    expect(rows.map((r) => [r.bucketStart, r.group, r.requests, r.costUsd, r.p50LatencyMs, r.p99LatencyMs])).toEqual([
      [DAY0, 'A', 110, 0.01015, nearestRank(aLatencies, 50), nearestRank(aLatencies, 99)],
      [DAY0, 'B', 1, 0, 7, 7],
    ]);
    expect(nearestRank(aLatencies, 50)).toBe(50);
    expect(nearestRank(aLatencies, 99)).toBe(100);
  });

  it('groups by key, app, user and upstream (null for none), and totals without a bucket', () => {
    expect(store.usage({ groupBy: 'user', ...range }).map((r) => [r.group, r.requests])).toEqual([
      [null, 100],
      ['alice', 10],
      ['bob', 1],
    ]);
    expect(store.listRequests({ user: 'bob' }).requests.map((r) => [r.id, r.user])).toEqual([['b0', 'bob']]);
    expect(store.usage({ groupBy: 'key', ...range }).map((r) => [r.group, r.requests])).toEqual([
      ['k1', 11],
      ['k2', 100],
    ]);
    expect(store.usage({ groupBy: 'app', ...range }).map((r) => [r.group, r.requests])).toEqual([
      [null, 100],
      ['app1', 10],
      ['https://b.example', 1],
    ]);
    expect(store.usage({ groupBy: 'upstream', ...range }).map((r) => [r.group, r.requests])).toEqual([
      [null, 1],
      ['p/A', 110],
    ]);
    const [total] = store.usage(range);
    expect(total).toMatchObject({ group: null, requests: 111, failed: 4, costUsd: 0.01015 });
    expect(total).not.toHaveProperty('bucketStart');
    expect(store.usage({})).toHaveLength(1);
    expect(store.usage({ from: DAY0 + 3 * 86_400_000 })).toEqual([]);
  });

  it('rejects an unknown group or bucket', () => {
    expect(() => store.usage({ groupBy: 'nope' as 'model' })).toThrow(RangeError);
    expect(() => store.usage({ bucket: 'week' as 'day' })).toThrow(RangeError);
  });
});

describe('usage percentiles (property)', () => {
  it('match nearest rank over random latencies', () => {
    const t = tempDir();
    const s = new SqliteRequestStore({ path: join(t.dir, 'p.db') });
    let run = 0;
    try {
      fc.assert(
        fc.property(fc.array(fc.record({ group: fc.constantFrom('x', 'y', 'z'), latency: fc.integer({ min: 0, max: 10_000 }) }), { minLength: 1, maxLength: 150 }), (items) => {
          run++;
          const base = run * 10 * 86_400_000;
          s.insertBatch(items.map((it, i) => record({ id: `p${run}-${i}`, time: base + i, servedModel: it.group, latencyMs: it.latency })));
          const rows = s.usage({ groupBy: 'model', from: base, to: base + 86_400_000 });
          for (const row of rows) {
            const values = items.filter((it) => it.group === row.group).map((it) => it.latency);
            expect(row.requests).toBe(values.length);
            expect(row.p50LatencyMs).toBe(nearestRank(values, 50));
            expect(row.p99LatencyMs).toBe(nearestRank(values, 99));
          }
          expect(rows.reduce((n, r) => n + r.requests, 0)).toBe(items.length);
        }),
        { numRuns: 60 },
      );
    } finally {
      s.close();
      t.cleanup();
    }
  });
});
