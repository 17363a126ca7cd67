import { describe, expect, it } from 'vitest';
import { parseFaults } from '../../src/simulation/fault-spec.js';
import { simulateWorkload, type SimulationOptions } from '../../src/simulation/simulate-workload.js';
import { formatPlan, healthFromSnapshot } from '../../src/cli/commands/explain.js';
import { prioritySplits } from '../../src/runtime/policy/priority-balance.js';
import { planRoute } from '../../src/runtime/policy/plan-route.js';
import { buildRoutingTable } from '../../src/runtime/routing-table.js';
import { handModel, handProvider, handWorld } from '../policy/arbitraries.js';

const world = handWorld({ providers: [handProvider('primary'), handProvider('secondary'), handProvider('tertiary')], models: [handModel('test/m', ['primary', 'secondary', 'tertiary'])] });
const base: SimulationOptions = { requests: 2000, model: 'test/m', faults: [], seed: 42, intervalMs: 100, latencyMs: 300, promptTokens: 1000, completionTokens: 300 };

describe('simulate', () => {
  it('a 30% 429 rate on the primary of three upstreams: every request succeeds and the primary serves ~70%', async () => {
    const report = await simulateWorkload(world.bundle, { ...base, faults: parseFaults('primary=429:0.3') });
    expect(report.successRate).toBe(1);
    expect(report.servedByUpstream.primary).toBeGreaterThan(0.65);
    expect(report.servedByUpstream.primary).toBeLessThan(0.75);
    expect(report.servedByUpstream.primary! + report.servedByUpstream.secondary!).toBeCloseTo(1, 5);
    expect(report.failuresByUpstream.primary).toEqual({ http_429: Math.round(report.attemptsPerRequest * 2000) - 2000 });
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const options = { ...base, faults: parseFaults('primary=429:0.3,secondary=500:0.2') };
    const a = await simulateWorkload(world.bundle, options);
    const b = await simulateWorkload(world.bundle, options);
    const c = await simulateWorkload(world.bundle, { ...options, seed: 43 });
    expect(b).toEqual(a);
    expect(c.servedByUpstream).not.toEqual(a.servedByUpstream);
  });

  it('a dead primary is ejected after 5 failures in a row, so later requests go straight to the next one', async () => {
    const report = await simulateWorkload(world.bundle, { ...base, requests: 100, faults: parseFaults('primary=500:1') });
    expect(report.successRate).toBe(1);
    expect(report.servedByUpstream).toEqual({ secondary: 1 });
    // five failed calls eject it for the cooldown (30 s = 300 requests here)
    expect(report.failuresByUpstream.primary).toEqual({ http_500: 5 });
  });

  it('under 30% mixed faults per upstream (the issue-19 scenario), 8 at a time, nearly every request not cut mid-stream succeeds', async () => {
    const report = await simulateWorkload(world.bundle, { ...base, intervalMs: 0, latencyMs: 5, concurrency: 8, requests: 1000, faults: parseFaults('primary=mix:0.3:1,secondary=mix:0.3:1,tertiary=mix:0.3:1') });
    expect(report.cutMidStream).toBeGreaterThan(0);
    expect(report.successRate).toBeGreaterThanOrEqual(0.97);
  });

  it('rejects a malformed fault spec', () => {
    expect(() => parseFaults('primary=429')).toThrow(/provider=STATUS/);
    expect(() => parseFaults('primary=200:0.1')).toThrow(/400 to 599/);
    expect(parseFaults('a=timeout:0.5,b=429:0.1:2')).toEqual([
      { provider: 'a', kind: 'timeout', rate: 0.5, retryAfterSeconds: 0 },
      { provider: 'b', kind: 429, rate: 0.1, retryAfterSeconds: 2 },
    ]);
    // a mix: six kinds, each drawn from what the earlier ones left, so each is rate/6 of all calls
    const mix = parseFaults('p=mix:0.3');
    expect(mix.map((f) => f.kind)).toEqual([429, 500, 503, 'timeout', 'reset', 'cut']);
    let left = 1;
    for (const f of mix) {
      expect(left * f.rate).toBeCloseTo(0.05, 10);
      left *= 1 - f.rate;
    }
    expect(mix[0]!.retryAfterSeconds).toBe(1);
  });
});

describe('explain with a health snapshot', () => {
  it('reads /health output: an ejected upstream goes after the healthy ones with its reason; a quarantined key keeps its place', () => {
    const now = Date.now();
    const until = new Date(now + 20_000).toISOString();
    const health = healthFromSnapshot({ upstreams: { 'primary/m': { state: 'ejected', until, lastError: 'http_500' } }, providers: { secondary: { keys: { 'byok-0': { state: 'quarantined', until } } } } }, now);
    const table = buildRoutingTable(world.bundle, world.env);
    const route = planRoute({ table, body: { model: 'test/m', messages: [] }, rawLength: 10, health, stats: { ttfb: () => undefined, throughput: () => undefined }, now });
    if ('status' in route) throw new Error(route.message);
    expect(route.plan.order.map((c) => c.upstream)).toEqual(['secondary/m', 'tertiary/m', 'primary/m']);
    expect(route.plan.healthy).toBe(2);
    expect(route.decisions.find((d) => d.upstream === 'primary/m')).toMatchObject({ included: true, reason: expect.stringContaining('ejected for') });
  });
});

describe('a split within a priority in simulate and explain', () => {
  const tied = handWorld({
    providers: [handProvider('heavy'), handProvider('light'), handProvider('spare')],
    models: [
      handModel('test/m', [], {
        candidates: [
          { provider: 'heavy', model: 'm', priority: 1, weight: 3, pricing: { prompt: 1, completion: 2 } },
          { provider: 'light', model: 'm', priority: 1, weight: 1, pricing: { prompt: 1, completion: 2 } },
          { provider: 'spare', model: 'm', priority: 2, pricing: { prompt: 1, completion: 2 } },
        ],
      }),
    ],
  });

  it('simulate shows the weighted split (3:1) and the next priority only on failures', async () => {
    const report = await simulateWorkload(tied.bundle, { ...base, requests: 4000 });
    expect(report.servedByUpstream.heavy).toBeGreaterThan(0.72);
    expect(report.servedByUpstream.heavy).toBeLessThan(0.78);
    expect(report.servedByUpstream.heavy! + report.servedByUpstream.light!).toBeCloseTo(1, 5);
    expect(report.servedByUpstream.spare).toBeUndefined();
  });

  it('explain prints each upstream\'s share of its priority, and the plan is the first draw', () => {
    const table = buildRoutingTable(tied.bundle, tied.env);
    const route = planRoute({ table, body: { model: 'test/m', messages: [] }, rawLength: 10, health: healthFromSnapshot({}, Date.now()), stats: { ttfb: () => undefined, throughput: () => undefined }, now: Date.now(), random: () => 0 });
    if ('status' in route) throw new Error(route.message);
    expect(prioritySplits(route)).toEqual([{ model: 'test/m', priority: 1, balance: 'weight', members: [{ upstream: 'heavy/m', weight: 3, share: 0.75 }, { upstream: 'light/m', weight: 1, share: 0.25 }] }]);
    expect(formatPlan(route, tied.bundle)).toContain('test/m priority 1, by weight: heavy/m 75% (weight 3), light/m 25% (weight 1)');
    expect(route.plan.order.map((c) => c.upstream)).toEqual(['heavy/m', 'light/m', 'spare/m']);
  });
});
