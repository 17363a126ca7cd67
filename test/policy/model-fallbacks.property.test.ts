/**
 * Model fallbacks through the attempt loop: candidates carry their model's group; a request error
 * (400/404/413/422) moves on to the next model (and is returned from the last), and any failure of every
 * upstream of a model moves on to the next; the attempt that serves belongs to the first model that can.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutedCandidate } from '../../src/runtime/policy/rank-candidates.js';
import {
  bundleArb,
  execute,
  failureBehaviourArb,
  handModel,
  handProvider,
  handWorld,
  isRouteError,
  route,
  tableOf,
  upstreamFailureArb,
  type Behaviour,
} from './arbitraries.js';

const RUNS = { numRuns: 150 };

const success: fc.Arbitrary<Behaviour> = fc.constant({ kind: 'status', status: 200 });
const requestError: fc.Arbitrary<Behaviour> = fc.constantFrom(400, 404, 413, 422).map((status): Behaviour => ({ kind: 'status', status }));

const isSuccess = (b: Behaviour) => b.kind === 'status' && b.status >= 200 && b.status < 300;
const isRequestError = (b: Behaviour) => b.kind === 'status' && [400, 404, 413, 422].includes(b.status);

const caseArb = (behaviour: fc.Arbitrary<Behaviour>) =>
  bundleArb({ minModels: 2, maxModels: 4, allKeysPresent: true }).chain((world) =>
    fc.record({
      world: fc.constant(world),
      names: fc.shuffledSubarray(
        world.bundle.models.map((m) => m.id),
        { minLength: 2 },
      ),
      /** Behaviour of each upstream (by its index in the ranked list); every key of an upstream behaves alike. */
      behaviours: fc.array(behaviour, { minLength: 20, maxLength: 20 }),
    }),
  );

describe('model fallbacks in the attempt loop', () => {
  it('walks the plan as the contract says: request errors skip the rest of their model, the last one is returned', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(fc.oneof(success, requestError, upstreamFailureArb, upstreamFailureArb)), async ({ world, names, behaviours }) => {
        const table = tableOf(world);
        const routed = route(table, { model: names[0], models: names.slice(1), messages: [] });
        if (isRouteError(routed)) return;
        const behaviourOf = new Map(routed.ranked.map((c, i) => [c.upstream, behaviours[i % behaviours.length]!]));

        // the oracle: passes over the plan, one attempt per candidate and pass (upstream failures and request
        // errors leave it at once), later passes only for candidates with a key not tried yet
        const order = routed.plan.order as RoutedCandidate[];
        const keysLeft = order.map((c) => c.provider.pool.keys.filter((k) => k.present && routed.keyUsable(k, c.provider)).length);
        const expectedCalls: string[] = [];
        const failed = new Set<number>();
        let expected: { kind: 'served' | 'returned' | 'exhausted'; upstream?: string } = { kind: 'exhausted' };
        const maxAttempts = table.bundle.routing.maxAttempts;
        walk: for (let called = true; called; ) {
          called = false;
          for (let i = 0; i < order.length; i++) {
            const c = order[i]!;
            if (failed.has(c.group) || keysLeft[i] === 0) continue;
            if (expectedCalls.length >= maxAttempts) break walk;
            const b = behaviourOf.get(c.upstream)!;
            expectedCalls.push(c.upstream);
            keysLeft[i]!--;
            called = true;
            if (isSuccess(b)) {
              expected = { kind: 'served', upstream: c.upstream };
              break walk;
            }
            if (isRequestError(b)) {
              const later = order.slice(i + 1).some((o) => o.group !== c.group && !failed.has(o.group));
              if (!later) {
                expected = { kind: 'returned', upstream: c.upstream };
                break walk;
              }
              failed.add(c.group);
            }
          }
        }

        const { result, calls } = await execute(table, routed, (a) => behaviourOf.get(a.candidate.upstream)!);
        expect(calls.map((c) => c.candidate.upstream)).toEqual(expectedCalls);
        expect(result.kind).toBe(expected.kind);
        if (expected.upstream !== undefined) expect(result.attempts.at(-1)?.upstream).toBe(expected.upstream);
      }),
      RUNS,
    );
  });

  it('without request errors, the served attempt belongs to the first model that has a succeeding upstream', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb(fc.oneof(success, upstreamFailureArb)), async ({ world, names, behaviours }) => {
        const table = tableOf(world);
        const routed = route(table, { model: names[0], models: names.slice(1), messages: [] });
        if (isRouteError(routed)) return;
        const behaviourOf = new Map(routed.ranked.map((c, i) => [c.upstream, behaviours[i % behaviours.length]!]));
        const winners = (routed.plan.order as RoutedCandidate[]).filter((c) => isSuccess(behaviourOf.get(c.upstream)!));
        const { result } = await execute(table, routed, (a) => behaviourOf.get(a.candidate.upstream)!);
        if (winners.length === 0) {
          expect(result.kind).toBe('exhausted');
          return;
        }
        const firstGroup = Math.min(...winners.map((c) => c.group));
        expect(result.kind).toBe('served');
        const served = result.attempts.at(-1)!;
        const candidate = routed.ranked.find((c) => c.upstream === served.upstream)!;
        expect(candidate.group).toBe(firstGroup);
        expect(candidate.modelId).toBe(routed.target.models[firstGroup]!.spec.id);
      }),
      RUNS,
    );
  });
});

describe('model fallback examples', () => {
  // two models on separate providers, so a key quarantine on one never touches the other
  const world = handWorld({
    providers: [handProvider('alpha', [{ tier: 'byok' }, { tier: 'shared' }]), handProvider('bravo'), handProvider('charlie'), handProvider('delta')],
    models: [handModel('acme/one', ['alpha', 'bravo']), handModel('acme/two', ['charlie', 'delta'])],
  });
  const table = tableOf(world);
  const plan = () => {
    const routed = route(table, { model: 'acme/one', models: ['acme/two'], messages: [] });
    if (isRouteError(routed)) throw new Error(routed.message);
    return routed;
  };
  const byUpstream = (map: Record<string, number>) => (a: { candidate: { upstream: string } }): Behaviour => ({ kind: 'status', status: map[a.candidate.upstream] ?? 200 });

  it('a 400 from the first model moves on to the second, skipping the first model\'s other upstreams', async () => {
    const { result, calls } = await execute(table, plan(), byUpstream({ 'alpha/one': 400 }));
    expect(calls.map((c) => c.candidate.upstream)).toEqual(['alpha/one', 'charlie/two']);
    expect(result.kind).toBe('served');
    expect(result.attempts[0]!.nextBecause).toMatch(/next model/);
  });

  it('a 400 from the last model is returned', async () => {
    const { result, calls } = await execute(table, plan(), byUpstream({ 'alpha/one': 422, 'charlie/two': 400 }));
    expect(calls.map((c) => c.candidate.upstream)).toEqual(['alpha/one', 'charlie/two']);
    expect(result.kind).toBe('returned');
    if (result.kind === 'returned') expect(result.outcome.status).toBe(400);
  });

  it('within the last model a 400 is returned at once (no failover to its other upstream)', async () => {
    const { result, calls } = await execute(table, plan(), byUpstream({ 'alpha/one': 500, 'bravo/one': 503, 'charlie/two': 413 }));
    expect(calls.map((c) => c.candidate.upstream)).toEqual(['alpha/one', 'bravo/one', 'charlie/two']);
    expect(result.kind).toBe('returned');
  });

  it('any failure of every upstream of the first model moves on to the second', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(failureBehaviourArb, { minLength: 3, maxLength: 3 }), async (failures) => {
        const fresh = tableOf(world);
        const routed = route(fresh, { model: 'acme/one', models: ['acme/two'], messages: [] });
        if (isRouteError(routed)) throw new Error(routed.message);
        let n = 0;
        const { result, calls } = await execute(fresh, routed, (a) => (a.candidate.upstream.endsWith('/one') ? failures[n++]! : { kind: 'status', status: 200 }));
        expect(result.kind).toBe('served');
        expect(result.attempts.at(-1)!.upstream).toBe('charlie/two');
        expect(calls.filter((c) => c.candidate.upstream.endsWith('/one')).length).toBeGreaterThanOrEqual(2);
      }),
      { numRuns: 50 },
    );
  });
});
