/**
 * Preset merge laws of resolveTarget over random bundles: the request is shallow-merged over the preset
 * (its `model` and `models` win; a `provider` object replaces the preset's whole object), the preset's
 * params and system prompt come back for the caller to merge under the request, the three spellings of a
 * preset are equivalent, and an unknown preset is a 404 with a did-you-mean.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundlePreset, ProviderPreferences, RoutingBundle } from '../../src/bundle/format.js';
import { mergePreset } from '../../src/runtime/http/client-body.js';
import { openAIChatClient } from '../../src/runtime/http/openai-chat-client.js';

const upstreamBase = (body: Record<string, unknown>, target: Parameters<typeof mergePreset>[1]) => mergePreset(body, target, openAIChatClient);
import { resolveTarget, type RequestTarget, type TargetError } from '../../src/runtime/policy/request-target.js';
import { bundleArb, modelNameArb, preferencesArb, tableOf } from './arbitraries.js';

const RUNS = { numRuns: 100 };

interface Case {
  bundle: RoutingBundle;
  preset: BundlePreset;
  /** A request model name, or none (the preset's model is used). */
  model: string | undefined;
  models: string[] | undefined;
  provider: ProviderPreferences | null | undefined;
  presetCase: number;
}

const caseArb = bundleArb({ presets: true }).chain((world) =>
  fc.record({
    world: fc.constant(world),
    preset: fc.constantFrom(...Object.values(world.bundle.presets)),
    model: fc.option(modelNameArb(world.bundle), { nil: undefined }),
    models: fc.option(fc.array(modelNameArb(world.bundle), { maxLength: 3 }), { nil: undefined }),
    provider: fc.option(fc.oneof(preferencesArb(Object.keys(world.bundle.providers)), fc.constant(null)), { nil: undefined }),
    presetCase: fc.nat({ max: 0xff }),
  }),
);

const ok = (t: RequestTarget | TargetError): RequestTarget => {
  if ('status' in t) throw new Error(`unexpected ${t.status}: ${t.message}`);
  return t;
};

const canonical = (bundle: RoutingBundle, name: string) => bundle.lookup[name.toLowerCase()]!;
const dedupe = (ids: string[]) => [...new Set(ids)];

describe('preset merge laws', () => {
  it('request model/models win, a provider object replaces the preset\'s whole, params and system come from the preset', () => {
    fc.assert(
      fc.property(caseArb, ({ world, preset, model, models, provider }) => {
        const table = tableOf(world);
        const bundle = world.bundle;
        const request: Record<string, unknown> = {
          model: model === undefined ? `@preset/${preset.name}` : `${model}@preset/${preset.name}`,
          ...(models !== undefined ? { models } : {}),
          ...(provider !== undefined ? { provider } : {}),
          temperature: 0.99,
        };
        const target = ok(resolveTarget(table, request));

        const primary = model !== undefined ? canonical(bundle, model) : preset.model;
        const fallbacks = models !== undefined ? models.map((m) => canonical(bundle, m)) : preset.models;
        expect(target.models.map((m) => m.spec.id)).toEqual(dedupe([primary, ...fallbacks]));

        if (provider !== undefined && provider !== null) expect(target.preferences).toBe(provider);
        else expect(target.preferences).toEqual(preset.provider);

        expect(target.preset).toBe(preset);
        expect(target.system).toBe(preset.system);
        expect(target.params).toEqual(preset.params);
        // the module returns the preset's params only: the caller spreads the request over them
        const merged = { ...target.params, ...request };
        expect(merged.temperature).toBe(0.99);
        for (const [k, v] of Object.entries(preset.params)) if (!(k in request)) expect(merged[k]).toBe(v);
      }),
      RUNS,
    );
  });

  it("'@preset/x', preset: 'x' and 'm@preset/x' vs { model: m, preset: 'x' } are equivalent; the preset name is case-insensitive", () => {
    fc.assert(
      fc.property(caseArb, ({ world, preset, model, models, provider, presetCase }) => {
        const table = tableOf(world);
        const rest = { ...(models !== undefined ? { models } : {}), ...(provider !== undefined ? { provider } : {}) };
        const shouting = [...preset.name].map((ch, i) => ((presetCase >> i) & 1 ? ch.toUpperCase() : ch)).join('');
        if (model === undefined) {
          const a = ok(resolveTarget(table, { model: `@preset/${preset.name}`, ...rest }));
          const b = ok(resolveTarget(table, { preset: preset.name, ...rest }));
          const c = ok(resolveTarget(table, { model: `@preset/${shouting}`, ...rest }));
          expect(b).toEqual(a);
          expect(c).toEqual(a);
        } else {
          const a = ok(resolveTarget(table, { model: `${model}@preset/${preset.name}`, ...rest }));
          const b = ok(resolveTarget(table, { model, preset: preset.name, ...rest }));
          const c = ok(resolveTarget(table, { model, preset: shouting, ...rest }));
          expect(b).toEqual(a);
          expect(c).toEqual(a);
        }
      }),
      RUNS,
    );
  });

  it('an unknown preset is a 404 that suggests the nearest preset name', () => {
    fc.assert(
      fc.property(caseArb, fc.nat(), fc.constantFrom('q', 'z', 'x'), fc.boolean(), ({ world, preset }, at, ch, viaField) => {
        const i = at % preset.name.length;
        const typo = preset.name.slice(0, i) + ch + preset.name.slice(i + 1);
        fc.pre(typo !== preset.name && world.bundle.presets[typo] === undefined);
        const result = resolveTarget(tableOf(world), viaField ? { preset: typo } : { model: `@preset/${typo}` });
        if (!('status' in result)) throw new Error('expected a 404');
        expect(result.status).toBe(404);
        expect(result.code).toBe('preset_not_found');
        expect(result.message).toContain(`'${typo}'`);
        expect(result.message).toContain(`did you mean '${preset.name}'?`);
      }),
      RUNS,
    );
  });
});

describe('the caller merges the preset under the request', () => {
  it('upstreamBase: request values win, preset params fill the rest, the system prompt goes first, gateway fields are dropped', () => {
    const paramsArb = fc.dictionary(fc.constantFrom('temperature', 'top_p', 'seed', 'max_tokens', 'stop'), fc.oneof(fc.integer({ min: 0, max: 9 }), fc.constant(null)), { maxKeys: 4 });
    fc.assert(
      fc.property(caseArb, paramsArb, ({ world, preset, model, models, provider }, own) => {
        const messages = [{ role: 'user', content: 'hi' }];
        const body: Record<string, unknown> = {
          model: model === undefined ? `@preset/${preset.name}` : `${model}@preset/${preset.name}`,
          messages,
          ...own,
          ...(models !== undefined ? { models } : {}),
          ...(provider !== undefined ? { provider } : {}),
        };
        const target = ok(resolveTarget(tableOf(world), body));
        const merged = upstreamBase(body, target);
        if (merged === undefined) {
          // nothing to change: no gateway fields, no preset params, no system prompt
          expect(Object.keys(preset.params)).toEqual([]);
          expect(preset.system).toBeUndefined();
          return;
        }
        for (const [k, v] of Object.entries(own)) expect(merged[k]).toEqual(v);
        for (const [k, v] of Object.entries(preset.params)) if (!(k in own)) expect(merged[k]).toEqual(v);
        for (const field of ['models', 'provider', 'preset']) expect(merged).not.toHaveProperty(field);
        expect(merged.messages).toEqual(preset.system !== undefined ? [{ role: 'system', content: preset.system }, ...messages] : messages);
      }),
      RUNS,
    );
  });
});

describe('preset examples', () => {
  it('a preset name far from every preset gets no suggestion', () => {
    const world = fc.sample(bundleArb({ presets: true }), { seed: 4, numRuns: 1 })[0]!;
    const result = resolveTarget(tableOf(world), { model: '@preset/zzzzzzzzzzzz' });
    expect(result).toMatchObject({ status: 404, code: 'preset_not_found' });
    expect((result as TargetError).message).not.toContain('did you mean');
  });
});
