/**
 * Implicit filters, read from the request body: tool requests go only to tool-capable upstreams,
 * `max_tokens` above a model's output limit skips it, and prompts over its context window skip it.
 */
import { SERVED_PROVIDER_TYPES } from '../../src/runtime/routing-table.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { BundleCandidate, BundleModel, RoutingBundle } from '../../src/bundle/format.js';
import { readFeatures } from '../../src/runtime/policy/request-features.js';
import { bundleArb, handModel, handProvider, handWorld, isRouteError, modelNameArb, route, tableOf } from './arbitraries.js';

const served = (bundle: RoutingBundle, m: BundleModel) => m.candidates.filter((c) => SERVED_PROVIDER_TYPES.has(bundle.providers[c.provider]!.type));
/** Message text sizes (characters): from a few tokens to far over the largest generated context. */
const TEXT_SIZES = [10, 5_000, 20_000, 40_000, 140_000, 600_000] as const;

interface Needs {
  tools: boolean;
  maxTokens: number | undefined;
  /** ceil(characters of message text / 4). */
  promptTokens: number;
}

/** Written from the issue: tools need the capability (and the upstream not declaring parameters without tools). */
function accepts(model: BundleModel, c: BundleCandidate, needs: Needs): boolean {
  if (needs.tools && (!model.capabilities.includes('tools') || (c.parameters !== undefined && !c.parameters.includes('tools')))) return false;
  if (needs.maxTokens !== undefined && model.maxOutput !== undefined && needs.maxTokens > model.maxOutput) return false;
  return needs.promptTokens <= model.context;
}

const caseArb = bundleArb({ unservedTypes: true }).chain((world) =>
  fc.record({
    world: fc.constant(world),
    model: modelNameArb(world.bundle),
    models: fc.array(modelNameArb(world.bundle), { maxLength: 3 }),
    tools: fc.boolean(),
    maxTokens: fc.option(fc.constantFrom(100, 1024, 1025, 4096, 5000, 16_384, 20_000), { nil: undefined }),
    maxTokensField: fc.constantFrom('max_tokens', 'max_completion_tokens'),
    text: fc.constantFrom(...TEXT_SIZES),
    split: fc.integer({ min: 1, max: 3 }),
  }),
);

describe('implicit filters', () => {
  it('exactly the upstreams that can take the request stay: tools capability, output limit, context window', () => {
    fc.assert(
      fc.property(caseArb, ({ world, model, models, tools, maxTokens, maxTokensField, text, split }) => {
        const part = Math.ceil(text / split);
        const messages = Array.from({ length: split }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: 'x'.repeat(i === split - 1 ? text - part * (split - 1) : part) }));
        const body: Record<string, unknown> = {
          model,
          models,
          messages,
          ...(tools ? { tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }] } : {}),
          ...(maxTokens !== undefined ? { [maxTokensField]: maxTokens } : {}),
        };
        const needs: Needs = { tools, maxTokens, promptTokens: Math.ceil(text / 4) };
        const routed = route(tableOf(world), body);
        const names = [...new Set([model, ...models].map((n) => world.bundle.lookup[n.toLowerCase()]!))];
        const walked = names.map((id) => world.bundle.models.find((m) => m.id === id)!);
        const expected = walked.flatMap((m) => served(world.bundle, m).filter((c) => accepts(m, c, needs)).map((c) => `${c.provider}/${c.model}`));
        if (isRouteError(routed)) {
          expect(expected).toEqual([]);
          expect(routed.status).toBe(400);
          return;
        }
        expect(routed.ranked.map((c) => c.upstream)).toEqual(expected);
        for (const c of routed.ranked) {
          const m = world.bundle.models.find((x) => x.id === c.modelId)!;
          if (tools) expect(m.capabilities).toContain('tools');
          if (maxTokens !== undefined && m.maxOutput !== undefined) expect(maxTokens).toBeLessThanOrEqual(m.maxOutput);
          expect(Math.ceil(text / 4)).toBeLessThanOrEqual(m.context);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('implicit filter examples', () => {
  const world = handWorld({
    providers: [handProvider('alpha'), handProvider('bravo')],
    models: [
      handModel('acme/chat', ['alpha'], { capabilities: [], context: 8192, maxOutput: 1024 }),
      handModel('acme/agent', ['alpha', 'bravo'], {
        context: 200_000,
        candidates: [
          { provider: 'alpha', model: 'agent', priority: 1, pricing: { prompt: 1, completion: 1 }, parameters: ['temperature'] },
          { provider: 'bravo', model: 'agent', priority: 2, pricing: { prompt: 1, completion: 1 } },
        ],
      }),
    ],
  });
  const table = tableOf(world);
  const tools = [{ type: 'function', function: { name: 'f', parameters: {} } }];

  it('a tool request skips a model without the tools capability and an upstream that declares parameters without tools', () => {
    const routed = route(table, { model: 'acme/chat', models: ['acme/agent'], messages: [{ role: 'user', content: 'hi' }], tools });
    if (isRouteError(routed)) throw new Error(routed.message);
    expect(routed.ranked.map((c) => c.upstream)).toEqual(['bravo/agent']);
    expect(routed.decisions.filter((d) => !d.included).map((d) => d.reason.split(':')[0])).toEqual(['tools', 'tools']);
  });

  it('an empty tools array is not a tool request', () => {
    const routed = route(table, { model: 'acme/chat', messages: [{ role: 'user', content: 'hi' }], tools: [] });
    expect(isRouteError(routed)).toBe(false);
  });

  it('max_tokens over the output limit and a prompt clearly over the context are 400s naming the filter', () => {
    const over = route(table, { model: 'acme/chat', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1025 });
    expect(over).toMatchObject({ status: 400, code: 'no_matching_upstream' });
    expect((over as { message: string }).message).toContain('max_tokens');
    const long = route(table, { model: 'acme/chat', messages: [{ role: 'user', content: 'word '.repeat(20_000) }] });
    expect(long).toMatchObject({ status: 400, code: 'no_matching_upstream' });
    expect((long as { message: string }).message).toContain('context_length');
    // the same prompt fits the larger model, which a models list falls back to
    const fallback = route(table, { model: 'acme/chat', models: ['acme/agent'], messages: [{ role: 'user', content: 'word '.repeat(20_000) }] });
    if (isRouteError(fallback)) throw new Error(fallback.message);
    expect(fallback.ranked.map((c) => c.modelId)).toEqual(['acme/agent', 'acme/agent']);
  });

  it('the prompt estimate counts message text, not the JSON around it, once the body is large', () => {
    const body = { messages: [{ role: 'user', content: 'a'.repeat(40_000) }], metadata: { note: 'b'.repeat(40_000) } };
    expect(readFeatures(body, JSON.stringify(body).length).promptTokens()).toBe(10_000);
    const parts = { messages: [{ role: 'user', content: [{ type: 'text', text: 'c'.repeat(20_000) }, { type: 'text', text: 'd'.repeat(20_000) }] }] };
    expect(readFeatures(parts, JSON.stringify(parts).length).promptTokens()).toBe(10_000);
  });
});
