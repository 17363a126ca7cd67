/**
 * Property tests of the planner: rank order and skipping, cooldown expiry, pinned providers, probing.
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
  type HealthSnapshot,
  type Scenario,
  type World,
} from './arbitraries.js';

const RUNS = { numRuns: 250 };

function planAt(world: World, now: number, pinnedProvider?: string): Plan {
  return planAttempts({ candidates: world.candidates, health: world.health, now, ...(pinnedProvider !== undefined ? { pinnedProvider } : {}) });
}

/** Plan positions as candidate indices, so failures print readably. */
function indicesOf(world: World, plan: Plan): number[] {
  return plan.order.map((c) => world.candidates.indexOf(c));
}

/** For every candidate with a present key: excluded just before it recovers, included from then on. */
function checkRecovery(world: World, h: HealthSnapshot, t: number): void {
  world.candidates.forEach((c, i) => {
    const at = recoversAt(c, h, t);
    if (at === undefined) {
      expect(planAt(world, t).order).not.toContain(c);
      return;
    }
    if (at > t) {
      const before = planAt(world, at - 1);
      // still cooling: only ever present as the probe of an all-cooling plan
      if (before.order.includes(c)) {
        expect(before.probe).toBe(true);
        expect(before.order).toEqual([c]);
      }
    }
    const after = planAt(world, at);
    expect(after.probe, `candidate ${i} should be eligible at ${at}`).toBe(false);
    expect(after.order).toContain(c);
  });
}

describe('planner (properties)', () => {
  it('2. the plan is the eligible candidates in rank order (cooling or fully quarantined ones skipped)', () => {
    fc.assert(
      fc.property(scenarioArb({ markProbability: 40, absentPercent: 20 }), (sc) => {
        const world = buildWorld(sc);
        const h = snapshot(world.health);
        const plan = planAt(world, sc.now);
        const expected = world.candidates.flatMap((c, i) => (eligible(c, h, sc.now) ? [i] : []));
        if (expected.length > 0) {
          expect(plan.probe).toBe(false);
          expect(indicesOf(world, plan)).toEqual(expected);
          expect(plan.refusal).toBeUndefined();
        }
        // one decision per candidate, included exactly for those in the order
        const included = plan.decisions.filter((d) => d.included).map((d) => d.upstream);
        expect(included).toEqual(plan.order.map((c) => c.upstream));
        for (const c of world.candidates) expect(plan.decisions.some((d) => d.upstream === c.upstream)).toBe(true);
      }),
      RUNS,
    );
  });

  it('3. a cooled-down candidate becomes eligible again exactly when its cooldown ends (also after the loop marked it)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ markProbability: 40, deadlineIn: fc.constant(10_000_000) }), async (sc) => {
        const world = buildWorld(sc);
        checkRecovery(world, snapshot(world.health), sc.now);
        // let the loop cool upstreams and quarantine keys, then advance past each `until`
        const plan = planAt(world, sc.now);
        const { transport } = scriptedTransport(world);
        await runAttempts({ plan, health: world.health, clock: world.clock, transport, settings: world.settings });
        checkRecovery(world, snapshot(world.health), world.clock.now());
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
          expect(plan.probe).toBe(false);
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

  it('10. when every candidate is cooling (not pinned), the plan probes exactly the one that recovers first', () => {
    fc.assert(
      fc.property(
        scenarioArb({ markProbability: 50, absentPercent: 15 }),
        fc.array(fc.integer({ min: 1, max: 8 }), { minLength: MAX_CANDIDATES, maxLength: MAX_CANDIDATES }),
        (generated, offsets) => {
          // small offsets so that ties happen: the first in rank order wins them
          const sc: Scenario = { ...generated, cooling: offsets };
          const world = buildWorld(sc);
          const h = snapshot(world.health);
          const plan = planAt(world, sc.now);
          const at = world.candidates.map((c) => recoversAt(c, h, sc.now));
          const withKeys = at.flatMap((a, i) => (a !== undefined ? [{ i, a }] : []));
          if (withKeys.length === 0) {
            expect(plan.order).toEqual([]);
            expect(plan.refusal?.kind).toBe('no-key');
            return;
          }
          const soonest = withKeys.reduce((best, x) => (x.a < best.a ? x : best));
          expect(plan.probe).toBe(true);
          expect(indicesOf(world, plan)).toEqual([soonest.i]);
          expect(plan.refusal).toBeUndefined();
        },
      ),
      RUNS,
    );
  });
});
