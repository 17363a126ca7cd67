/**
 * Ordering laws of the planner over random bundles: the models list is walked in order and each model's
 * upstreams in bundle rank order; `sort: price` orders by effective price (stable); `order` puts the named
 * providers first; `allow_fallbacks: false` keeps only those (or the primary) and the attempt loop makes
 * no other attempt.
 */
import { SERVED_PROVIDER_TYPES } from '../../src/runtime/routing-table.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundleCandidate, BundleModel, RoutingBundle } from '../../src/bundle/format.js';
import { effectivePrice, type LiveStats } from '../../src/runtime/policy/rank-candidates.js';
import type { Percentiles } from '../../src/runtime/policy/upstream-stats.js';
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

const RUNS = { numRuns: 100 };

const upstreamOf = (c: BundleCandidate) => `${c.provider}/${c.model}`;
const served = (bundle: RoutingBundle, m: BundleModel) => m.candidates.filter((c) => SERVED_PROVIDER_TYPES.has(bundle.providers[c.provider]!.type));

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

        // every upstream fails with its own failure: the loop's first pass tries the plan in exactly this order,
        // later passes only the keys those failures left untried
        let n = 0;
        const { calls } = await execute(table, routed, () => failures[n++ % failures.length]!);
        const planned = routed.plan.order.map((c) => c.upstream);
        expect(planned).toEqual(routed.ranked.map((c) => c.upstream).filter((u) => planned.includes(u)));
        expect(calls.slice(0, planned.length).map((c) => c.candidate.upstream)).toEqual(planned);
        const pairs = calls.map((c) => `${c.candidate.upstream} ${c.key.name}`);
        expect(new Set(pairs).size).toBe(pairs.length);
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
      { numRuns: 150 },
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

/** Random live stats per upstream (some upstreams have none yet). */
const statsArb = fc.array(
  fc.option(
    fc.record({ ttfb: fc.integer({ min: 1, max: 1000 }), spread: fc.integer({ min: 0, max: 500 }), tps: fc.integer({ min: 1, max: 300 }) }),
    { nil: undefined, freq: 4 },
  ),
  { minLength: 24, maxLength: 24 },
);

function liveStats(upstreams: readonly string[], drawn: ReadonlyArray<{ ttfb: number; spread: number; tps: number } | undefined>): LiveStats & { table: Map<string, { ttfb: Percentiles; tps: Percentiles }> } {
  const table = new Map<string, { ttfb: Percentiles; tps: Percentiles }>();
  upstreams.forEach((u, i) => {
    const d = drawn[i % drawn.length];
    if (d === undefined) return;
    table.set(u, {
      ttfb: { p50: d.ttfb, p75: d.ttfb + d.spread / 4, p90: d.ttfb + d.spread / 2, p99: d.ttfb + d.spread },
      tps: { p50: d.tps, p75: d.tps / 1.5, p90: d.tps / 2, p99: d.tps / 4 },
    });
  });
  return { table, ttfb: (u) => table.get(u)?.ttfb, throughput: (u) => table.get(u)?.tps };
}

describe('sort by live stats and preferred thresholds', () => {
  const upstreamsOf = (bundle: RoutingBundle) => bundle.models.flatMap((m) => m.candidates.map(upstreamOf));

  it('sort: latency (p50 ascending) and throughput (p50 descending) put upstreams without stats last, stably', () => {
    fc.assert(
      fc.property(requestArb(), statsArb, fc.constantFrom('latency' as const, 'throughput' as const), ({ world, model, models }, drawn, by) => {
        const stats = liveStats(upstreamsOf(world.bundle), drawn);
        const routed = route(tableOf(world), { model, models, provider: { sort: by } }, { stats });
        if (isRouteError(routed)) return;
        const key = (u: string) => (by === 'latency' ? (stats.table.get(u)?.ttfb.p50 ?? Infinity) : -(stats.table.get(u)?.tps.p50 ?? -Infinity));
        const walked = expectedModels(world.bundle, [model, ...models]);
        const expected = walked.flatMap((m) =>
          served(world.bundle, m)
            .map((c, i) => ({ u: upstreamOf(c), i }))
            .sort((a, b) => (key(a.u) === key(b.u) ? a.i - b.i : key(a.u) - key(b.u)))
            .map(({ u }) => u),
        );
        expect(routed.ranked.map((c) => c.upstream)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it('candidates missing preferred_max_latency / preferred_min_throughput move to the end of their model, not out', () => {
    const thresholdArb = fc.oneof(fc.integer({ min: 1, max: 1000 }), fc.record({ p50: fc.integer({ min: 1, max: 1000 }), p90: fc.integer({ min: 1, max: 1400 }) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(
        requestArb(),
        statsArb,
        fc.option(thresholdArb, { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
        fc.boolean(),
        ({ world, model, models }, drawn, maxLatency, minThroughput, sortByPrice) => {
          const stats = liveStats(upstreamsOf(world.bundle), drawn);
          const provider = {
            ...(maxLatency !== undefined ? { preferred_max_latency: maxLatency } : {}),
            ...(minThroughput !== undefined ? { preferred_min_throughput: minThroughput } : {}),
            ...(sortByPrice ? { sort: 'price' } : {}),
          };
          const routed = route(tableOf(world), { model, models, provider }, { stats });
          if (isRouteError(routed)) return;
          const limits = maxLatency === undefined ? {} : typeof maxLatency === 'number' ? { p50: maxLatency } : maxLatency;
          const meets = (u: string) => {
            const s = stats.table.get(u);
            if (s === undefined) return true;
            const latencyOk = Object.entries(limits).every(([q, limit]) => limit === undefined || s.ttfb[q as keyof Percentiles] <= limit);
            return latencyOk && (minThroughput === undefined || s.tps.p50 >= minThroughput);
          };
          const walked = expectedModels(world.bundle, [model, ...models]);
          const expected = walked.flatMap((m) => {
            const base = (sortByPrice ? byPrice(served(world.bundle, m)) : served(world.bundle, m)).map(upstreamOf);
            return [...base.filter(meets), ...base.filter((u) => !meets(u))];
          });
          expect(routed.ranked.map((c) => c.upstream)).toEqual(expected);
          for (const d of routed.decisions.filter((x) => x.included)) expect(d.reason.includes('misses the preferred')).toBe(!meets(d.upstream));
        },
      ),
      RUNS,
    );
  });
});
