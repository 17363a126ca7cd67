/**
 * Ordering laws of the planner over random bundles: the models list is walked in order and each model's
 * upstreams in bundle rank order; `sort: price` orders by effective price (stable); `order` puts the named
 * providers first; `allow_fallbacks: false` keeps only those (or the primary) and the attempt loop makes
 * no other attempt.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundleCandidate, BundleModel, RoutingBundle } from '../../src/bundle/format.js';
import { effectivePrice } from '../../src/runtime/policy/rank-candidates.js';
import {
  bundleArb,
  execute,
  failureBehaviourArb,
  isRouteError,
  modelNameArb,
  route,
  slugListArb,
  tableOf,
  upstreamFailureArb,
  type Behaviour,
} from './arbitraries.js';

const RUNS = { numRuns: 150 };

const upstreamOf = (c: BundleCandidate) => `${c.provider}/${c.model}`;
const served = (bundle: RoutingBundle, m: BundleModel) => m.candidates.filter((c) => bundle.providers[c.provider]!.type === 'openai');

/** Canonical ids of `[model, ...models]`, first occurrence kept: what resolveTarget walks. */
function expectedModels(bundle: RoutingBundle, names: readonly string[]): BundleModel[] {
  const ids = [...new Set(names.map((n) => bundle.lookup[n.toLowerCase()]!))];
  return ids.map((id) => bundle.models.find((m) => m.id === id)!);
}

/** Sort key of `sort: price`: prompt + completion, then the per-request fee; ties keep the given order. */
function byPrice(list: readonly BundleCandidate[]): BundleCandidate[] {
  return list
    .map((c, i) => ({ c, i }))
    .sort((a, b) => a.c.pricing.prompt + a.c.pricing.completion - (b.c.pricing.prompt + b.c.pricing.completion) || (a.c.pricing.request ?? 0) - (b.c.pricing.request ?? 0) || a.i - b.i)
    .map(({ c }) => c);
}

const requestArb = (options: { unservedTypes?: boolean } = {}) =>
  bundleArb({ unservedTypes: options.unservedTypes ?? true }).chain((world) =>
    fc.record({
      world: fc.constant(world),
      model: modelNameArb(world.bundle),
      models: fc.array(modelNameArb(world.bundle), { maxLength: 4 }),
    }),
  );

describe('models list and rank order', () => {
  it('without preferences, ranked = each model\'s candidates in bundle order, concatenated, groups 0..n', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb(), fc.array(upstreamFailureArb, { minLength: 1, maxLength: 8 }), async ({ world, model, models }, failures) => {
        const table = tableOf(world);
        const body = { model, models, messages: [{ role: 'user', content: 'hi' }] };
        const walked = expectedModels(world.bundle, [model, ...models]);
        const routed = route(table, body);
        if (isRouteError(routed)) {
          // only possible when no requested model has a served upstream
          expect(walked.every((m) => served(world.bundle, m).length === 0)).toBe(true);
          expect(routed.status).toBe(400);
          return;
        }
        expect(routed.target.models.map((m) => m.spec.id)).toEqual(walked.map((m) => m.id));
        const expected = walked.flatMap((m, group) => served(world.bundle, m).map((c) => ({ upstream: upstreamOf(c), group })));
        expect(routed.ranked.map((c) => ({ upstream: c.upstream, group: c.group }))).toEqual(expected);

        // every upstream fails with its own failure: the loop tries the plan in exactly this order
        let n = 0;
        const { calls } = await execute(table, routed, () => failures[n++ % failures.length]!);
        const planned = routed.plan.order.map((c) => c.upstream);
        expect(planned).toEqual(routed.ranked.map((c) => c.upstream).filter((u) => planned.includes(u)));
        expect(calls.map((c) => c.candidate.upstream)).toEqual(planned);
      }),
      RUNS,
    );
  });
});

describe('sort: price', () => {
  it('partition model (the default): each model\'s candidates by effective price, ties by request fee, then bundle order', () => {
    fc.assert(
      fc.property(requestArb(), fc.constantFrom<unknown>('price', { by: 'price' }, { by: 'price', partition: 'model' }), ({ world, model, models }, sort) => {
        const routed = route(tableOf(world), { model, models, provider: { sort } });
        if (isRouteError(routed)) return;
        const walked = expectedModels(world.bundle, [model, ...models]);
        const expected = walked.flatMap((m, group) => byPrice(served(world.bundle, m)).map((c) => ({ upstream: upstreamOf(c), group })));
        expect(routed.ranked.map((c) => ({ upstream: c.upstream, group: c.group }))).toEqual(expected);
        for (let i = 1; i < routed.ranked.length; i++) {
          const [a, b] = [routed.ranked[i - 1]!, routed.ranked[i]!];
          if (a.group === b.group) expect(effectivePrice(a.pricing)).toBeLessThanOrEqual(effectivePrice(b.pricing));
        }
      }),
      RUNS,
    );
  });

  it("partition none: one order across every model's candidates", () => {
    fc.assert(
      fc.property(requestArb(), ({ world, model, models }) => {
        const routed = route(tableOf(world), { model, models, provider: { sort: { by: 'price', partition: 'none' } } });
        if (isRouteError(routed)) return;
        const walked = expectedModels(world.bundle, [model, ...models]);
        const all = walked.flatMap((m) => served(world.bundle, m));
        expect(routed.ranked.map((c) => c.upstream)).toEqual(byPrice(all).map(upstreamOf));
      }),
      RUNS,
    );
  });

  it(':floor on the primary model sorts its candidates by price like sort: price', () => {
    fc.assert(
      fc.property(requestArb(), ({ world, model, models }) => {
        const table = tableOf(world);
        const floor = route(table, { model: `${model}:floor`, models });
        const explicit = route(table, { model, models, provider: { sort: 'price' } });
        if (isRouteError(floor) || isRouteError(explicit)) {
          expect(isRouteError(floor)).toBe(isRouteError(explicit));
          return;
        }
        expect(floor.target.suffixSort).toBe('price');
        const primary = (r: typeof floor) => r.ranked.filter((c) => c.group === 0).map((c) => c.upstream);
        expect(primary(floor)).toEqual(primary(explicit));
        // fallback models keep their bundle order: the suffix sorts only the model it is on
        const walked = expectedModels(world.bundle, [model, ...models]);
        const rest = walked.slice(1).flatMap((m) => served(world.bundle, m).map(upstreamOf));
        expect(floor.ranked.filter((c) => c.group > 0).map((c) => c.upstream)).toEqual(rest);
      }),
      RUNS,
    );
  });
});

describe('order and allow_fallbacks', () => {
  const caseArb = requestArb().chain(({ world, model, models }) =>
    fc.record({
      world: fc.constant(world),
      model: fc.constant(model),
      models: fc.constant(models),
      order: slugListArb(Object.keys(world.bundle.providers), { maxLength: 3 }),
      allowFallbacks: fc.option(fc.boolean(), { nil: undefined }),
      sortByPrice: fc.boolean(),
      failures: fc.array(failureBehaviourArb, { minLength: 1, maxLength: 8 }),
    }),
  );

  it('ordered providers come first, in order; allow_fallbacks: false keeps only them (or the primary), and no other attempt is made', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ world, model, models, order, allowFallbacks, sortByPrice, failures }) => {
        const table = tableOf(world);
        const provider = { order, ...(allowFallbacks !== undefined ? { allow_fallbacks: allowFallbacks } : {}), ...(sortByPrice ? { sort: 'price' } : {}) };
        const routed = route(table, { model, models, provider });
        if (isRouteError(routed)) return;
        const slugs = order.map((s) => s.toLowerCase());
        const walked = expectedModels(world.bundle, [model, ...models]);
        const allowed = new Set<string>();
        walked.forEach((m, group) => {
          const kept = served(world.bundle, m);
          const ordered = slugs.flatMap((s) => kept.filter((c) => c.provider === s));
          const others = kept.filter((c) => !slugs.includes(c.provider));
          const rest = sortByPrice ? byPrice(others) : others;
          let expected = [...ordered, ...rest];
          if (allowFallbacks === false) {
            // an `order` none of whose providers serve this model: see the report (the primary is kept)
            if (slugs.length > 0 && ordered.length === 0) fc.pre(false);
            expected = ordered.length > 0 ? ordered : rest.slice(0, 1);
          }
          for (const c of expected) allowed.add(upstreamOf(c));
          expect(routed.ranked.filter((c) => c.group === group).map((c) => c.upstream)).toEqual(expected.map(upstreamOf));
        });

        let n = 0;
        const { calls } = await execute(table, routed, () => failures[n++ % failures.length]!);
        const pairs = calls.map((c) => `${c.candidate.upstream}#${c.key.name}`);
        expect(new Set(pairs).size).toBe(pairs.length);
        for (const call of calls) expect(allowed.has(call.candidate.upstream)).toBe(true);
        if (allowFallbacks === false) {
          const budget = routed.plan.order.reduce((s, c) => s + c.provider.pool.keys.filter((k) => k.present && routed.keyUsable(k, c.provider)).length, 0);
          expect(calls.length).toBeLessThanOrEqual(budget);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('allow_fallbacks: false without order tries only the primary upstream of each model', async () => {
    await fc.assert(
      fc.asyncProperty(requestArb(), fc.array(failureBehaviourArb, { minLength: 1, maxLength: 4 }), async ({ world, model, models }, failures) => {
        const table = tableOf(world);
        const routed = route(table, { model, models, provider: { allow_fallbacks: false } });
        if (isRouteError(routed)) return;
        const walked = expectedModels(world.bundle, [model, ...models]);
        const primaries = walked.flatMap((m) => served(world.bundle, m).slice(0, 1).map(upstreamOf));
        expect(routed.ranked.map((c) => c.upstream)).toEqual(primaries);
        let n = 0;
        const { calls } = await execute(table, routed, () => failures[n++ % failures.length] as Behaviour);
        for (const call of calls) expect(primaries).toContain(call.candidate.upstream);
      }),
      RUNS,
    );
  });
});
