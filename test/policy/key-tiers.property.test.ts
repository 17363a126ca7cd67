/**
 * Key tiers: BYOK keys are tried before shared (operator) keys of the same provider, and shared keys are
 * never used when the gateway key is BYOK-only or the provider says `shared: 'never'`.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bundleArb,
  execute,
  handModel,
  handProvider,
  handWorld,
  isRouteError,
  modelNameArb,
  route,
  tableOf,
  type Behaviour,
} from './arbitraries.js';

/** Failures that quarantine the key (not the upstream): the loop goes through every usable key of a provider. */
const keyFailureArb: fc.Arbitrary<Behaviour> = fc.constantFrom(401, 402, 403, 429).map((status): Behaviour => ({ kind: 'status', status }));

const caseArb = bundleArb().chain((world) =>
  fc.record({
    world: fc.constant(world),
    model: modelNameArb(world.bundle),
    models: fc.array(modelNameArb(world.bundle), { maxLength: 2 }),
    byokOnly: fc.boolean(),
    failures: fc.array(keyFailureArb, { minLength: 1, maxLength: 6 }),
  }),
);

describe('key tiers', () => {
  it('every usable key of a planned provider is tried once, BYOK before shared; shared never when BYOK-only or shared: never', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ world, model, models, byokOnly, failures }) => {
        const table = tableOf(world);
        const routed = route(table, { model, models, messages: [] }, { byokOnly });
        if (isRouteError(routed)) return;
        let n = 0;
        const { result, calls } = await execute(table, routed, () => failures[n++ % failures.length]!);

        const usable = (provider: string, tier: 'byok' | 'shared') => tier === 'byok' || (!byokOnly && world.bundle.providers[provider]!.shared !== 'never');
        const expected = new Set<string>();
        for (const c of routed.plan.order) {
          const spec = world.bundle.providers[c.provider.id]!;
          spec.keys.forEach((k) => {
            if (world.env[k.env] !== undefined && usable(spec.id, k.tier)) expected.add(`${spec.id}#${k.name}`);
          });
        }
        const tried = calls.map((c) => `${c.candidate.provider.id}#${c.key.name}`);
        expect(new Set(tried)).toEqual(expected);
        // each (upstream, key) once: a key rested by a 429 may come back for another upstream of its provider
        const pairs = calls.map((c) => `${c.candidate.upstream} ${c.key.name}`);
        expect(new Set(pairs).size).toBe(pairs.length);

        for (const call of calls) expect(usable(call.candidate.provider.id, call.key.tier)).toBe(true);
        // per upstream: no BYOK attempt after a shared one, and the first is BYOK when a BYOK key is present
        const tiers = new Map<string, string[]>();
        for (const call of calls) tiers.set(call.candidate.upstream, [...(tiers.get(call.candidate.upstream) ?? []), call.key.tier]);
        for (const list of tiers.values()) expect(list.join(',')).toMatch(/^(byok,)*byok$|^(byok,)*(shared,)*shared$/);
        // per provider, the first attempt is BYOK when a BYOK key is present
        for (const provider of new Set(calls.map((c) => c.candidate.provider.id))) {
          const hasByok = world.bundle.providers[provider]!.keys.some((k) => k.tier === 'byok' && world.env[k.env] !== undefined);
          if (hasByok) expect(calls.find((c) => c.candidate.provider.id === provider)!.key.tier).toBe('byok');
        }
        if (routed.plan.order.length === 0) {
          expect(result).toMatchObject({ kind: 'exhausted', why: 'refused' });
          expect(calls).toEqual([]);
        }
        // the trace records the tier that was tried
        expect(result.attempts.map((a) => a.tier)).toEqual(calls.map((c) => c.key.tier));
      }),
      { numRuns: 150 },
    );
  });
});

describe('key tier examples', () => {
  const shared = (id: string, extra = {}) => handProvider(id, [{ tier: 'shared' }, { tier: 'byok' }], extra);

  it('BYOK 429 then shared 200: served by the shared key', async () => {
    const world = handWorld({ providers: [shared('alpha')], models: [handModel('acme/m', ['alpha'])] });
    const table = tableOf(world);
    const routed = route(table, { model: 'acme/m', messages: [] });
    if (isRouteError(routed)) throw new Error(routed.message);
    const { result } = await execute(table, routed, (a) => ({ kind: 'status', status: a.key.tier === 'byok' ? 429 : 200 }));
    expect(result.kind).toBe('served');
    expect(result.attempts.map((a) => a.tier)).toEqual(['byok', 'shared']);
  });

  it('a BYOK-only gateway key never uses a shared key, and a provider with only shared keys is not planned', async () => {
    const world = handWorld({
      providers: [shared('alpha'), handProvider('bravo', [{ tier: 'shared' }])],
      models: [handModel('acme/m', ['alpha', 'bravo'])],
    });
    const table = tableOf(world);
    const routed = route(table, { model: 'acme/m', messages: [] }, { byokOnly: true });
    if (isRouteError(routed)) throw new Error(routed.message);
    expect(routed.plan.order.map((c) => c.upstream)).toEqual(['alpha/m']);
    const { result } = await execute(table, routed, () => ({ kind: 'status', status: 429 }));
    expect(result.attempts.map((a) => `${a.provider}:${a.tier}`)).toEqual(['alpha:byok']);

    const onlyShared = route(tableOf(world), { model: 'acme/m', provider: { only: ['bravo'] }, messages: [] }, { byokOnly: true });
    if (isRouteError(onlyShared)) throw new Error(onlyShared.message);
    expect(onlyShared.plan.order).toEqual([]);
    expect(onlyShared.plan.refusal?.kind).toBe('no-key');
  });

  it("a provider with shared: 'never' never uses its shared key", async () => {
    const world = handWorld({ providers: [shared('alpha', { shared: 'never' }), shared('bravo')], models: [handModel('acme/m', ['alpha', 'bravo'])] });
    const table = tableOf(world);
    const routed = route(table, { model: 'acme/m', messages: [] });
    if (isRouteError(routed)) throw new Error(routed.message);
    const { result } = await execute(table, routed, () => ({ kind: 'status', status: 401 }));
    expect(result.attempts.map((a) => `${a.provider}:${a.tier}`)).toEqual(['alpha:byok', 'bravo:byok', 'bravo:shared']);
  });
});
