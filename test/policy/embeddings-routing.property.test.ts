/**
 * The endpoint decides which models and upstreams a request may reach: `/v1/embeddings` plans only
 * embeddings models, and of those only upstream types with an embeddings endpoint (an `anthropic` one is
 * skipped, with the reason in the decisions); chat never plans an embeddings model; a request naming a
 * model of the other kind is refused before any planning, with a code that says which. Explain, which
 * names no endpoint, plans by the kind of the model the request names.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GeneratedWorld } from './arbitraries.js';
import { bundleArb, isRouteError, modelNameArb, route, tableOf } from './arbitraries.js';

const UPSTREAM_TYPES = ['openai', 'anthropic', 'gemini'] as const;

/** A generated world with some models made embeddings models and providers of every upstream type. */
const caseArb = bundleArb({ unservedTypes: true }).chain((world) =>
  fc.record({
    world: fc.constant(world),
    embeddings: fc.array(fc.boolean(), { minLength: world.bundle.models.length, maxLength: world.bundle.models.length }),
    types: fc.array(fc.constantFrom(...UPSTREAM_TYPES), { minLength: Object.keys(world.bundle.providers).length, maxLength: Object.keys(world.bundle.providers).length }),
    model: modelNameArb(world.bundle),
    models: fc.array(modelNameArb(world.bundle), { maxLength: 3 }),
    operation: fc.constantFrom('chat' as const, 'embeddings' as const),
  }),
);

function withKinds(world: GeneratedWorld, embeddings: boolean[], types: ReadonlyArray<(typeof UPSTREAM_TYPES)[number]>): GeneratedWorld {
  const providers = Object.fromEntries(Object.entries(world.bundle.providers).map(([id, p], i) => [id, { ...p, type: types[i]! }]));
  const models = world.bundle.models.map((m, i) => ({ ...m, capabilities: embeddings[i] ? [...m.capabilities, 'embeddings'].sort() : m.capabilities.filter((c) => c !== 'embeddings') }));
  return { ...world, bundle: { ...world.bundle, providers, models } };
}

describe('embeddings routing', () => {
  it('each endpoint plans only models of its kind, and embeddings only from upstream types that embed', () => {
    fc.assert(
      fc.property(caseArb, ({ world, embeddings, types, model, models, operation }) => {
        const kinded = withKinds(world, embeddings, types);
        const { bundle } = kinded;
        const body: Record<string, unknown> = operation === 'embeddings' ? { model, models, input: 'x' } : { model, models, messages: [{ role: 'user', content: 'x' }] };
        const routed = route(tableOf(kinded), body, { operation });
        const isEmbeddings = (id: string) => bundle.models.find((m) => m.id === id)!.capabilities.includes('embeddings');
        const primary = bundle.lookup[model.toLowerCase()]!;
        if (isEmbeddings(primary) !== (operation === 'embeddings')) {
          expect(isRouteError(routed) && routed.code).toBe(operation === 'embeddings' ? 'not_an_embeddings_model' : 'embeddings_model');
          return;
        }
        if (isRouteError(routed)) return;
        for (const c of routed.ranked) {
          expect(isEmbeddings(c.modelId)).toBe(operation === 'embeddings');
          if (operation === 'embeddings') expect(c.provider.spec.type).not.toBe('anthropic');
        }
        // every anthropic upstream of the primary embeddings model is skipped, with the reason
        if (operation === 'embeddings') {
          const skipped = routed.decisions.filter((d) => !d.included && d.model === primary && d.reason.startsWith('embeddings:'));
          const anthropic = routed.target.models[0]!.candidates.filter((c) => c.provider.spec.type === 'anthropic');
          expect(skipped.map((d) => d.upstream).sort()).toEqual(anthropic.map((c) => c.upstream).sort());
          // explain (no operation) takes the kind of the model named, and plans the same upstreams (ties drawn apart)
          const explained = route(tableOf(kinded), body);
          expect(!isRouteError(explained) && explained.ranked.map((c) => c.upstream).sort()).toEqual(routed.ranked.map((c) => c.upstream).sort());
        }
      }),
      { numRuns: 200 },
    );
  });
});
