/**
 * A preset on an embeddings request, over random presets and requests: the upstream gets the client's
 * fields as sent plus the preset's embeddings parameters the client did not set (dimensions,
 * encoding_format, user), never another preset parameter; x-anyrouter-dropped-params lists exactly the preset
 * parameters (and system prompt) that did not reach the upstream, none of which is in the upstream body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestTarget } from '../../src/runtime/policy/request-target.js';
import type { ServeCandidate, ServeKey } from '../../src/runtime/routing-table.js';
import { openAIEmbeddingsClient } from '../../src/runtime/http/openai-embeddings-client.js';
import { createUpstreamRequests } from '../../src/runtime/http/upstream-requests.js';

const EMBEDDINGS_PARAMS = new Set(['dimensions', 'encoding_format', 'user']);
const PARAM_VALUES: Record<string, fc.Arbitrary<unknown>> = {
  dimensions: fc.integer({ min: 1, max: 3072 }),
  encoding_format: fc.constantFrom('float', 'base64'),
  user: fc.string({ minLength: 1, maxLength: 8 }),
  temperature: fc.double({ min: 0, max: 2, noNaN: true }),
  top_p: fc.double({ min: 0, max: 1, noNaN: true }),
  max_tokens: fc.integer({ min: 1, max: 4096 }),
  seed: fc.integer(),
};
const paramsArb = fc.record(PARAM_VALUES, { requiredKeys: [] });

const candidate = { provider: { id: 'up', spec: { type: 'openai' }, headers: {} }, model: 'up-embed' } as unknown as ServeCandidate;
const key = { name: 'main', value: 'sk-test' } as unknown as ServeKey;

describe('embeddings presets', () => {
  it('only embeddings parameters of a preset reach the upstream; the rest is listed as dropped', () => {
    fc.assert(
      fc.property(paramsArb, paramsArb, fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }), (presetParams, clientParams, system) => {
        const body: Record<string, unknown> = { model: '@preset/p', input: 'hello', ...clientParams };
        const target = { models: [], origins: [], params: presetParams, ...(system !== undefined ? { system } : {}) } as unknown as RequestTarget;
        const requests = createUpstreamRequests({ raw: Buffer.from(JSON.stringify(body)), body, target, client: openAIEmbeddingsClient, clientHeaders: {}, stream: false, primaryModel: 'test/embed' });
        const sent = JSON.parse(String(requests.forAttempt(candidate, key).body)) as Record<string, unknown>;

        const expected: Record<string, unknown> = { ...body, model: 'up-embed' };
        for (const [name, value] of Object.entries(presetParams)) if (EMBEDDINGS_PARAMS.has(name) && !(name in clientParams)) expected[name] = value;
        expect(sent).toEqual(expected);

        const dropped = Object.keys(presetParams).filter((name) => !EMBEDDINGS_PARAMS.has(name) && !(name in clientParams));
        if (system !== undefined) dropped.push('system');
        const route = requests.routeOf(candidate);
        expect(route.dropped).toEqual(dropped);
        for (const name of route.dropped) if (name !== 'system') expect(sent[name]).toBe(body[name]);
      }),
      { numRuns: 200 },
    );
  });
});
