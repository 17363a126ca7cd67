/**
 * Property tests of the planner: healthy candidates in rank order, then the ejected ones (cooling changes
 * order, not eligibility), panic routing, ejection ends, and the fail-fast contract of pinned providers
 * and `allow_fallbacks: false`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAttempts } from '../../src/runtime/engine/attempt-loop.js';
import { planAttempts, type Plan } from '../../src/runtime/engine/plan.js';
import {
  buildWorld,
  eligible,
  MAX_CANDIDATES,
  recoversAt,
  scenarioArb,
  scriptedTransport,
  snapshot,
  upstreamCooling,
  type HealthSnapshot,
  type Scenario,
  type World,
} from './arbitraries.js';

const RUNS = { numRuns: 250 };

function planAt(world: World, now: number, pinnedProvider?: string, failFast?: boolean): Plan {
  return planAttempts({ candidates: world.candidates, health: world.health, now, ...(pinnedProvider !== undefined ? { pinnedProvider } : {}), ...(failFast ? { failFast } : {}) });
}

/** Plan positions as candidate indices, so failures print readably. */
function indicesOf(world: World, plan: Plan): number[] {
  return plan.order.map((c) => world.candidates.indexOf(c));
}

const hasKey = (world: World, i: number) => world.candidates[i]!.provider.pool.keys.some((k) => k.present);

/** The independent oracle: healthy (not ejected) candidates with a present key in rank order, then the ejected ones. */
function expectedOrder(world: World, h: HealthSnapshot, t: number): { order: number[]; healthy: number } {
  const withKey = world.candidates.flatMap((_, i) => (hasKey(world, i) ? [i] : []));
  const healthy = withKey.filter((i) => !upstreamCooling(h, world.candidates[i]!.upstream, t));
  const ejected = withKey.filter((i) => upstreamCooling(h, world.candidates[i]!.upstream, t));
  return { order: [...healthy, ...ejected], healthy: healthy.length };
}

/** Every ejected candidate is after the healthy ones until its ejection ends, and among them from then on. */
function checkEjectionEnds(world: World, h: HealthSnapshot, t: number): void {
  world.candidates.forEach((c, i) => {
    if (!hasKey(world, i)) return;
    const until = h.upstreams.get(c.upstream);
    if (until === undefined || until <= t) {
      expect(planAt(world, t).order.slice(0, planAt(world, t).healthy)).toContain(c);
      return;
    }
    const before = planAt(world, until - 1);
    expect(before.order.indexOf(c), `candidate ${i} is ejected until ${until}`).toBeGreaterThanOrEqual(before.healthy);
    const after = planAt(world, until);
    expect(after.order.slice(0, after.healthy), `candidate ${i} is back at ${until}`).toContain(c);
  });
}

describe('planner (properties)', () => {
  it('2. the plan is the healthy candidates in rank order, then the ejected ones in rank order; quarantined keys do not exclude', () => {
    fc.assert(
      fc.property(scenarioArb({ markProbability: 40, absentPercent: 20 }), (sc) => {
        const world = buildWorld(sc);
        const h = snapshot(world.health);
        const plan = planAt(world, sc.now);
        const expected = expectedOrder(world, h, sc.now);
        expect(indicesOf(world, plan)).toEqual(expected.order);
        expect(plan.healthy).toBe(expected.healthy);
        expect(plan.panic).toBe(expected.order.length > 0 && expected.healthy === 0);
        expect(plan.failFast).toBe(false);
        if (expected.order.length === 0) expect(plan.refusal?.kind).toBe('no-key');
        else expect(plan.refusal).toBeUndefined();
        // one decision per candidate, included exactly for those in the order
        const included = plan.decisions.filter((d) => d.included).map((d) => d.upstream);
        expect(new Set(included)).toEqual(new Set(plan.order.map((c) => c.upstream)));
        for (const c of world.candidates) expect(plan.decisions.some((d) => d.upstream === c.upstream)).toBe(true);
      }),
      RUNS,
    );
  });

  it('3. an ejected candidate returns among the healthy exactly when its ejection ends (also after the loop ejected it)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ markProbability: 40, deadlineIn: fc.constant(10_000_000) }), async (sc) => {
        const world = buildWorld(sc);
        checkEjectionEnds(world, snapshot(world.health), sc.now);
        const plan = planAt(world, sc.now);
        const { transport } = scriptedTransport(world);
        await runAttempts({ plan, health: world.health, clock: world.clock, transport, settings: world.settings, sleep: world.clock.sleep });
        checkEjectionEnds(world, snapshot(world.health), world.clock.now());
      }),
      { numRuns: 150 },
    );
  });

  it('4. a pinned provider never falls back; when it is cooling the plan refuses and the transport is never called', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ markProbability: 30, deadlineIn: fc.constant(10_000_000), maxAttempts: fc.constant(MAX_CANDIDATES * 4) }),
        fc.nat(),
        fc.boolean(),
        fc.boolean(),
        async (generated, pick, upperCase, forceCooling) => {
          const pinnedIndex = generated.candidates[pick % generated.candidates.length]!;
          const pinnedId = generated.providers[pinnedIndex]!.id;
          let sc: Scenario = generated;
          if (forceCooling) {
            // every upstream of the pinned provider cools down, and it has at least one present key
            sc = {
              ...generated,
              cooling: generated.cooling.map((o, i) => (generated.candidates[i] === pinnedIndex ? Math.max(1, Math.abs(o ?? 1_000)) : o)),
              providers: generated.providers.map((p, i) =>
                i === pinnedIndex ? { ...p, keys: p.keys.map((k, ki) => (ki === 0 ? { ...k, present: true } : k)) } : p,
              ),
            };
          }
          const world = buildWorld(sc);
          const h = snapshot(world.health);
          const pinned = upperCase ? pinnedId.toUpperCase() : pinnedId;
          const plan = planAt(world, sc.now, pinned);
          expect(plan.panic).toBe(false);
          expect(plan.failFast).toBe(true);
          for (const c of plan.order) expect(c.provider.id).toBe(pinnedId);
          const ours = world.candidates.filter((c) => c.provider.id === pinnedId);
          expect(plan.order).toEqual(ours.filter((c) => eligible(c, h, sc.now)));
          const recovering = ours.map((c) => recoversAt(c, h, sc.now)).filter((a): a is number => a !== undefined);
          if (plan.order.length === 0) {
            if (recovering.length > 0) {
              expect(plan.refusal?.kind).toBe('pinned-cooling');
              expect(plan.refusal?.retryAt).toBe(Math.min(...recovering));
            } else {
              expect(plan.refusal?.kind).toBe('pinned-unavailable');
            }
          }
          if (forceCooling) expect(plan.refusal?.kind).toBe('pinned-cooling');

          const { transport, calls } = scriptedTransport(world);
          const result = await runAttempts({ plan, health: world.health, clock: world.clock, transport, settings: world.settings });
          for (const call of calls) expect(call.attempt.candidate.provider.id).toBe(pinnedId);
          if (plan.refusal) {
            expect(calls).toHaveLength(0);
            expect(result).toMatchObject({ kind: 'exhausted', why: 'refused', attempts: [] });
            if (plan.refusal.kind === 'pinned-cooling' && result.kind === 'exhausted') expect(result.retryAt).toBe(plan.refusal.retryAt);
          }
        },
      ),
      RUNS,
    );
  });

  it('10. allow_fallbacks: false keeps the fail-fast contract: only candidates that can serve now, else a refusal with the soonest recovery', () => {
    fc.assert(
      fc.property(scenarioArb({ markProbability: 50, absentPercent: 15 }), (sc) => {
        const world = buildWorld(sc);
        const h = snapshot(world.health);
        const plan = planAt(world, sc.now, undefined, true);
        expect(plan.failFast).toBe(true);
        expect(plan.panic).toBe(false);
        expect(indicesOf(world, plan)).toEqual(world.candidates.flatMap((c, i) => (eligible(c, h, sc.now) ? [i] : [])));
        if (plan.order.length === 0) {
          const at = world.candidates.map((c) => recoversAt(c, h, sc.now)).filter((a): a is number => a !== undefined);
          if (at.length === 0) expect(plan.refusal?.kind).toBe('no-key');
          else expect(plan.refusal).toMatchObject({ kind: 'restricted-cooling', retryAt: Math.min(...at) });
        }
      }),
      RUNS,
    );
  });

  it('11. when every candidate is ejected, the plan is panic routing: all of them, in rank order', () => {
    fc.assert(
      fc.property(
        scenarioArb({ markProbability: 50, absentPercent: 15 }),
        fc.array(fc.integer({ min: 1, max: 60_000 }), { minLength: MAX_CANDIDATES, maxLength: MAX_CANDIDATES }),
        (generated, offsets) => {
          const sc: Scenario = { ...generated, cooling: offsets };
          const world = buildWorld(sc);
          const plan = planAt(world, sc.now);
          const withKeys = world.candidates.flatMap((_, i) => (hasKey(world, i) ? [i] : []));
          expect(indicesOf(world, plan)).toEqual(withKeys);
          expect(plan.healthy).toBe(0);
          expect(plan.panic).toBe(withKeys.length > 0);
          if (withKeys.length === 0) expect(plan.refusal?.kind).toBe('no-key');
        },
      ),
      RUNS,
    );
  });
});
