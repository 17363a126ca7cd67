/**
 * Balancing within a priority, through the one routing function (planRoute) with a seeded random:
 * upstreams sharing a priority come first in proportion to their weights (within a tolerance over many
 * requests), `balance: latency` never puts the slowest of a tier first, and the order across priorities,
 * the planner's healthy-then-ejected order included, is never broken.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundleBalance, BundleCandidate } from '../../src/bundle/format.js';
import { HealthState } from '../../src/runtime/engine/health.js';
import type { RoutedCandidate } from '../../src/runtime/policy/rank-candidates.js';
import { seededRandom } from '../../src/simulation/seeded-random.js';
import { BASE_NOW, NO_STATS, handModel, handProvider, handWorld, isRouteError, route, tableOf } from './arbitraries.js';

const REQUESTS = 3_000;
const TOLERANCE = 0.05;

/** Tiers of weights: tier i is priority i + 1; upstream j of tier i is provider `p{i}x{j}`. */
const tiersArb = fc.array(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 });

function worldOf(tiers: number[][], balance: BundleBalance = 'weight') {
  const candidates: BundleCandidate[] = [];
  tiers.forEach((weights, i) => weights.forEach((weight, j) => candidates.push({ provider: `p${i}x${j}`, model: 'm', priority: i + 1, pricing: { prompt: 1, completion: 2 }, weight })));
  const providers = candidates.map((c) => handProvider(c.provider));
  return handWorld({ providers, models: [handModel('v/m', [], { candidates, balance })] });
}

const prioritiesOf = (list: readonly RoutedCandidate[]) => list.map((c) => c.spec.priority);
const nonDecreasing = (xs: readonly number[]) => xs.every((x, i) => i === 0 || xs[i - 1]! <= x);

describe('balancing within a priority', () => {
  it('the first tier splits first picks by weight, within the tolerance, and priorities keep their order (property)', () => {
    fc.assert(
      fc.property(tiersArb, fc.integer(), (tiers, seed) => {
        const table = tableOf(worldOf(tiers));
        const random = seededRandom(seed);
        const first = new Map<string, number>();
        for (let i = 0; i < REQUESTS; i++) {
          const routed = route(table, { model: 'v/m' }, { random });
          if (isRouteError(routed)) throw new Error(routed.message);
          expect(nonDecreasing(prioritiesOf(routed.ranked))).toBe(true);
          expect(routed.ranked).toHaveLength(tiers.flat().length);
          const head = routed.plan.order[0]!.provider.id;
          first.set(head, (first.get(head) ?? 0) + 1);
        }
        const total = tiers[0]!.reduce((a, b) => a + b, 0);
        tiers[0]!.forEach((w, j) => {
          const observed = (first.get(`p0x${j}`) ?? 0) / REQUESTS;
          expect(Math.abs(observed - w / total), `p0x${j}: ${observed} vs ${w}/${total}`).toBeLessThanOrEqual(TOLERANCE);
        });
        // nothing of a later priority is ever first while the first tier is healthy
        expect([...first.keys()].every((p) => p.startsWith('p0x'))).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('with ejected upstreams the plan is the healthy ones in priority order, then the ejected ones in priority order (property)', () => {
    fc.assert(
      fc.property(tiersArb, fc.integer(), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (tiers, seed, ejectMask) => {
        const table = tableOf(worldOf(tiers));
        const health = new HealthState();
        tiers.flatMap((ws, i) => ws.map((_, j) => `p${i}x${j}/m`)).forEach((id, k) => {
          if (ejectMask[k]) health.coolUpstream(id, BASE_NOW + 60_000, 'test', BASE_NOW);
        });
        const random = seededRandom(seed);
        for (let i = 0; i < 50; i++) {
          const routed = route(table, { model: 'v/m' }, { random, health });
          if (isRouteError(routed)) throw new Error(routed.message);
          const order = routed.plan.order as RoutedCandidate[];
          const healthy = order.slice(0, routed.plan.healthy);
          const ejected = order.slice(routed.plan.healthy);
          expect(nonDecreasing(prioritiesOf(healthy))).toBe(true);
          expect(nonDecreasing(prioritiesOf(ejected))).toBe(true);
          expect(healthy.every((c) => health.upstreamCoolingUntil(c.upstream, BASE_NOW) === undefined)).toBe(true);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('balance: latency never puts the slowest upstream of a tier first (power of two choices), and prefers the fastest', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 2, maxLength: 5 }), fc.integer(), (weights, seed) => {
        const table = tableOf(worldOf([weights], 'latency'));
        // p0x0 is the slowest, p0x{n-1} the fastest
        const stats = { ...NO_STATS, latencyEwma: (u: string) => 1000 - 100 * Number(u.slice(3, u.indexOf('/'))) };
        const random = seededRandom(seed);
        const first = new Map<string, number>();
        for (let i = 0; i < 3000; i++) {
          const routed = route(table, { model: 'v/m' }, { random, stats });
          if (isRouteError(routed)) throw new Error(routed.message);
          const head = routed.ranked[0]!.provider.id;
          first.set(head, (first.get(head) ?? 0) + 1);
        }
        expect(first.get('p0x0')).toBeUndefined();
        const fastest = first.get(`p0x${weights.length - 1}`) ?? 0;
        for (const [p, n] of first) if (p !== `p0x${weights.length - 1}`) expect(fastest).toBeGreaterThanOrEqual(n);
      }),
      { numRuns: 40 },
    );
  });

  it('an explicit order or sort ranks equal priorities as before: no draw', () => {
    const table = tableOf(worldOf([[1, 1, 1]]));
    const random = seededRandom(1);
    for (let i = 0; i < 20; i++) {
      const ordered = route(table, { model: 'v/m', provider: { order: ['p0x2', 'p0x0', 'p0x1'] } }, { random });
      if (isRouteError(ordered)) throw new Error(ordered.message);
      expect(ordered.ranked.map((c) => c.provider.id)).toEqual(['p0x2', 'p0x0', 'p0x1']);
      const sorted = route(table, { model: 'v/m', provider: { sort: 'price' } }, { random });
      if (isRouteError(sorted)) throw new Error(sorted.message);
      expect(sorted.ranked.map((c) => c.provider.id)).toEqual(['p0x0', 'p0x1', 'p0x2']);
    }
  });
});
