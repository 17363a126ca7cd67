/**
 * Hard filters (`only`, `ignore`, `zdr`, `data_collection`, `quantizations`, `enforce_distillable_text`, `max_price`, `require_parameters`) over random bundles and random
 * preferences: nothing ranked, planned or attempted ever violates them, and when they empty the list the
 * planner answers 404/400 naming the filter, without a plan.
 */
import { SERVED_PROVIDER_TYPES } from '../../src/runtime/routing-table.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundleCandidate, BundleModel, ProviderPreferences, RoutingBundle } from '../../src/bundle/format.js';
import type { RoutedCandidate } from '../../src/runtime/policy/rank-candidates.js';
import { resolveTarget } from '../../src/runtime/policy/request-target.js';
import {
  bundleArb,
  execute,
  isRouteError,
  modelNameArb,
  preferencesArb,
  route,
  tableOf,
  type Behaviour,
  type GeneratedWorld,
} from './arbitraries.js';

const RUNS = { numRuns: 150 };

const lowerSet = (list: readonly string[] | undefined) => (list ? new Set(list.map((s) => s.toLowerCase())) : undefined);

/** The hard filters of the issue, written independently of rank-candidates.ts. */
function passesHardFilters(c: BundleCandidate, prefs: ProviderPreferences | undefined): boolean {
  const only = lowerSet(prefs?.only);
  const ignore = lowerSet(prefs?.ignore);
  const slug = c.provider.toLowerCase();
  if (only && !only.has(slug)) return false;
  if (ignore && ignore.has(slug)) return false;
  // an upstream that declares nothing does not match a data policy
  if (prefs?.zdr === true && c.zdr !== true) return false;
  if (prefs?.data_collection === 'deny' && c.dataCollection !== 'deny') return false;
  if (prefs?.quantizations && !prefs.quantizations.includes(c.quantization ?? 'unknown')) return false;
  if (prefs?.enforce_distillable_text === true && c.distillable !== true) return false;
  const max = prefs?.max_price;
  if (max?.prompt !== undefined && c.pricing.prompt > max.prompt) return false;
  if (max?.completion !== undefined && c.pricing.completion > max.completion) return false;
  if (max?.request !== undefined && (c.pricing.request ?? 0) > max.request) return false;
  return true;
}

const modelById = (bundle: RoutingBundle, id: string): BundleModel => bundle.models.find((m) => m.id === id)!;
const served = (bundle: RoutingBundle, m: BundleModel) => m.candidates.filter((c) => SERVED_PROVIDER_TYPES.has(bundle.providers[c.provider]!.type));

interface Case {
  world: GeneratedWorld;
  model: string;
  models: string[];
  provider: ProviderPreferences | undefined;
  behaviours: Behaviour[];
}

const caseArb: fc.Arbitrary<Case> = bundleArb({ modelDefaults: true, unservedTypes: true }).chain((world) =>
  fc.record({
    world: fc.constant(world),
    model: modelNameArb(world.bundle),
    models: fc.array(modelNameArb(world.bundle), { maxLength: 3 }),
    provider: fc.option(preferencesArb(Object.keys(world.bundle.providers)), { nil: undefined, freq: 4 }),
    behaviours: fc.array(
      fc.oneof(
        { weight: 1, arbitrary: fc.constant<Behaviour>({ kind: 'status', status: 200 }) },
        { weight: 1, arbitrary: fc.constantFrom(400, 422).map((status): Behaviour => ({ kind: 'status', status })) },
        { weight: 5, arbitrary: fc.constantFrom(401, 429, 500, 503).map((status): Behaviour => ({ kind: 'status', status })) },
      ),
      { minLength: 1, maxLength: 30 },
    ),
  }),
);

describe('hard filters: only, ignore, max_price', () => {
  it('no ranked, planned or attempted candidate is outside only, inside ignore or above max_price', async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ world, model, models, provider, behaviours }) => {
        const table = tableOf(world);
        const body = { model, models, messages: [{ role: 'user', content: 'hi' }], ...(provider ? { provider } : {}) };
        const routed = route(table, body);
        const prefsOf = (modelId: string) => provider ?? modelById(world.bundle, modelId).provider;
        const check = (c: RoutedCandidate) => {
          expect(passesHardFilters(c.spec, prefsOf(c.modelId)), `${c.upstream} of ${c.modelId}`).toBe(true);
        };
        if (isRouteError(routed)) {
          // an emptied list: no candidate of any requested model passes, and a 404 filter decides the status
          const target = resolveTarget(table, body);
          if ('status' in target) throw new Error(target.message);
          expect(routed.code).toBe('no_matching_upstream');
          // allow_fallbacks: false with an order whose providers all went: nothing may be tried either
          if (routed.message.includes('allow_fallbacks excluded')) {
            expect(target.models.some((m) => prefsOf(m.spec.id)?.allow_fallbacks === false && (prefsOf(m.spec.id)?.order?.length ?? 0) > 0)).toBe(true);
            expect(routed.status).toBe(404);
            return;
          }
          const all = target.models.flatMap((m) => served(world.bundle, m.spec).map((c) => ({ c, prefs: prefsOf(m.spec.id) })));
          expect(all.filter(({ c, prefs }) => passesHardFilters(c, prefs))).toEqual([]);
          const by404 = all.some(({ c, prefs }) => !passesHardFilters(c, { ...prefs, max_price: undefined }));
          expect(routed.status).toBe(by404 ? 404 : 400);
          return;
        }
        routed.ranked.forEach(check);
        (routed.plan.order as RoutedCandidate[]).forEach(check);

        // completeness: with no parameters in the request and fallbacks allowed, exactly the passing candidates remain
        for (const [group, m] of routed.target.models.entries()) {
          const prefs = prefsOf(m.spec.id);
          if (prefs?.allow_fallbacks === false) continue;
          const expected = served(world.bundle, m.spec).filter((c) => passesHardFilters(c, prefs)).map((c) => `${c.provider}/${c.model}`);
          const actual = routed.ranked.filter((c) => c.group === group).map((c) => c.upstream);
          expect(new Set(actual)).toEqual(new Set(expected));
          expect(actual.length).toBe(expected.length);
        }

        // explainable: every served candidate of every requested model has exactly one decision, and the
        // included ones are exactly the plan
        const everyone = routed.target.models.flatMap((m) => served(world.bundle, m.spec).map((c) => `${m.spec.id} ${c.provider}/${c.model}`));
        expect(routed.decisions.map((d) => `${d.model} ${d.upstream}`).sort()).toEqual(everyone.sort());
        expect(routed.decisions.filter((d) => d.included).map((d) => d.upstream)).toEqual(routed.plan.order.map((c) => c.upstream));

        let n = 0;
        const { calls } = await execute(table, routed, () => behaviours[n++ % behaviours.length]!);
        for (const call of calls) check(call.candidate as RoutedCandidate);
      }),
      RUNS,
    );
  });

  it('provider slugs match case-insensitively', () => {
    fc.assert(
      fc.property(
        bundleArb().chain((world) => fc.tuple(fc.constant(world), fc.constantFrom(...world.bundle.models), fc.nat({ max: 0xffff }))),
        ([world, model, mask]) => {
          const table = tableOf(world);
          const first = model.candidates.find((c) => world.bundle.providers[c.provider]!.type === 'openai');
          fc.pre(first !== undefined);
          const recased = [...first!.provider].map((ch, i) => ((mask >> i) & 1 ? ch.toUpperCase() : ch)).join('');
          const onlyRouted = route(table, { model: model.id, provider: { only: [recased] } });
          const ignoreRouted = route(table, { model: model.id, provider: { ignore: [recased] } });
          if (isRouteError(onlyRouted)) throw new Error(onlyRouted.message);
          expect(onlyRouted.ranked.map((c) => c.provider.id)).toEqual([first!.provider]);
          const ignored = isRouteError(ignoreRouted) ? [] : ignoreRouted.ranked.map((c) => c.provider.id);
          expect(ignored).not.toContain(first!.provider);
        },
      ),
      RUNS,
    );
  });
});

type Emptying = 'only' | 'ignore' | 'zdr' | 'data_collection' | 'quantizations' | 'enforce_distillable_text' | 'require_parameters' | 'max_price.prompt' | 'max_price.completion' | 'max_price.request' | 'tools' | 'max_tokens';

const EXPECTED: Record<Emptying, { status: 404 | 400; filter: string }> = {
  only: { status: 404, filter: 'provider.only' },
  ignore: { status: 404, filter: 'provider.ignore' },
  zdr: { status: 404, filter: 'provider.zdr' },
  data_collection: { status: 404, filter: 'provider.data_collection' },
  quantizations: { status: 404, filter: 'provider.quantizations' },
  enforce_distillable_text: { status: 404, filter: 'provider.enforce_distillable_text' },
  require_parameters: { status: 404, filter: 'provider.require_parameters' },
  'max_price.prompt': { status: 400, filter: 'provider.max_price' },
  'max_price.completion': { status: 400, filter: 'provider.max_price' },
  'max_price.request': { status: 400, filter: 'provider.max_price' },
  tools: { status: 400, filter: 'tools' },
  max_tokens: { status: 400, filter: 'max_tokens' },
};

/** A request for `model` whose one filter excludes every served candidate, or undefined if this model cannot be emptied that way. */
function emptyingRequest(bundle: RoutingBundle, model: BundleModel, kind: Emptying): Record<string, unknown> | undefined {
  const candidates = served(bundle, model);
  const base = { model: model.id, messages: [{ role: 'user', content: 'hi' }] };
  const minOf = (f: (c: BundleCandidate) => number) => Math.min(...candidates.map(f));
  switch (kind) {
    case 'only':
      return { ...base, provider: { only: ['NoneSuch'] } };
    case 'ignore':
      return { ...base, provider: { ignore: candidates.map((c) => c.provider.toUpperCase()) } };
    case 'zdr':
      return candidates.some((c) => c.zdr === true) ? undefined : { ...base, provider: { zdr: true } };
    case 'data_collection':
      return candidates.some((c) => c.dataCollection === 'deny') ? undefined : { ...base, provider: { data_collection: 'deny' } };
    case 'quantizations':
      // every generated upstream that declares one is fp8, fp16, int4 or bf16
      return { ...base, provider: { quantizations: ['fp32'] } };
    case 'enforce_distillable_text':
      return candidates.some((c) => c.distillable === true) ? undefined : { ...base, provider: { enforce_distillable_text: true } };
    case 'require_parameters':
      // `seed` is requested; emptying works only if no candidate declares it
      if (candidates.some((c) => c.parameters?.includes('seed'))) return undefined;
      return { ...base, seed: 1, provider: { require_parameters: true } };
    case 'max_price.prompt':
      return minOf((c) => c.pricing.prompt) === 0 ? undefined : { ...base, provider: { max_price: { prompt: minOf((c) => c.pricing.prompt) / 2 } } };
    case 'max_price.completion':
      return minOf((c) => c.pricing.completion) === 0 ? undefined : { ...base, provider: { max_price: { completion: minOf((c) => c.pricing.completion) / 2 } } };
    case 'max_price.request':
      return minOf((c) => c.pricing.request ?? 0) === 0 ? undefined : { ...base, provider: { max_price: { request: 0 } } };
    case 'tools':
      if (model.capabilities.includes('tools')) return undefined;
      return { ...base, tools: [{ type: 'function', function: { name: 'f', parameters: {} } }] };
    case 'max_tokens':
      if (model.maxOutput === undefined) return undefined;
      return { ...base, max_tokens: model.maxOutput + 1 };
  }
}

describe('hard filters that empty the list', () => {
  it('answer 404 (only, ignore, the data policies, quantizations, require_parameters) or 400 (max_price, implicit) naming the filter, with no plan', () => {
    const kinds = Object.keys(EXPECTED) as Emptying[];
    fc.assert(
      fc.property(
        bundleArb().chain((world) => fc.tuple(fc.constant(world), fc.constantFrom(...world.bundle.models), fc.constantFrom(...kinds))),
        ([world, model, kind]) => {
          fc.pre(served(world.bundle, model).length > 0);
          const body = emptyingRequest(world.bundle, model, kind);
          fc.pre(body !== undefined);
          const routed = route(tableOf(world), body!);
          expect(isRouteError(routed)).toBe(true);
          if (!isRouteError(routed)) return;
          expect(routed.status).toBe(EXPECTED[kind].status);
          expect(routed.code).toBe('no_matching_upstream');
          expect(routed.message).toContain(EXPECTED[kind].filter);
          expect(routed.message).toContain(model.id);
          expect('plan' in routed).toBe(false);
          // every served candidate is explained as excluded by that filter
          const excluded = (routed.decisions ?? []).filter((d) => !d.included);
          expect(excluded).toHaveLength(served(world.bundle, model).length);
          for (const d of excluded) expect(d.reason.startsWith(EXPECTED[kind].filter)).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('a 404 filter decides the status when several filters together empty the list', () => {
    fc.assert(
      fc.property(
        bundleArb().chain((world) => fc.tuple(fc.constant(world), fc.constantFrom(...world.bundle.models))),
        ([world, model]) => {
          const candidates = served(world.bundle, model);
          fc.pre(candidates.length >= 2);
          // the first served candidate is ignored; every other is over a zero max_price (if it has a price)
          fc.pre(candidates.slice(1).every((c) => c.pricing.prompt > 0) && candidates[0]!.provider !== candidates[1]!.provider);
          const routed = route(tableOf(world), { model: model.id, provider: { ignore: [candidates[0]!.provider], max_price: { prompt: 0 } } });
          if (!isRouteError(routed)) throw new Error('expected an error');
          expect(routed.status).toBe(404);
          expect(routed.message).toContain('provider.ignore');
        },
      ),
      { numRuns: 100 },
    );
  });
});
