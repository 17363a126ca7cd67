/**
 * `POST /v1/embeddings` over real HTTP, with the official `openai` SDK's `client.embeddings.create`:
 * relayed to OpenAI-compatible mocks (the client's bytes, only `model` replaced) and translated for a
 * Gemini mock (`:embedContent` for one input, `:batchEmbedContents` for several), floats and base64, with
 * the chat pipeline's failover (a 429 quarantines the key, a 5xx moves to the next upstream), gateway-key
 * model globs, budgets and tpm, the request log's prompt tokens and cost, the request counter in /metrics,
 * and OpenAI's error envelope for what it refuses.
 */
import { createHash } from 'node:crypto';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { mockEmbedding } from '../support/mock-upstream-server.js';
import { chatModel, countByKey, MODEL, provider, secretOf, waitForRecord, type GatewayErrorBody } from './harness.js';
import { anthropicProvider, geminiProvider, post, useProtocolE2E } from './protocols-harness.js';

const EMBED = 'test/embed';
const PRICING = { prompt: 1, completion: 0 };

/** `test/embed` (alias `embed`) served by `providers` in rank order; upstream model names are `<provider>-embed`. */
function embeddingsModel(providers: string[], id = EMBED): ModelInput {
  return {
    id,
    aliases: [id.split('/')[1]!],
    context: 2048,
    capabilities: ['embeddings'],
    pricing: PRICING,
    upstreams: providers.map((p, i) => ({ provider: p, model: `${p}-embed`, priority: i + 1 })),
  };
}

/** Float32 little-endian base64, read back as numbers. */
function float32s(base64: string): number[] {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, i) => bytes.readFloatLE(i * 4));
}

describe('e2e: POST /v1/embeddings', () => {
  const e2e = useProtocolE2E();

  it('relays one input to an OpenAI-compatible upstream: the client bytes with only model replaced, the answer with the catalog id', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream) }, models: [embeddingsModel(['primary'])] });
    const { data, response } = await gw.client().embeddings.create({ model: 'embed', input: 'hello world', encoding_format: 'float', user: 'u-1' }).withResponse();

    expect(data.object).toBe('list');
    expect(data.model).toBe(EMBED);
    expect(data.data).toEqual([{ object: 'embedding', index: 0, embedding: mockEmbedding(0) }]);
    expect(data.usage.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get('x-anyrouter-model')).toBe(EMBED);
    expect(upstream.requests).toHaveLength(1);
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v1/embeddings');
    expect(sent.apiKey).toBe(secretOf('primary'));
    expect(sent.rawBody).toBe(JSON.stringify({ model: 'primary-embed', input: 'hello world', encoding_format: 'float', user: 'u-1' }));
  });

  it('a preset sets only embeddings parameters (dimensions, encoding_format, user); its chat params and system prompt are dropped and listed', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', upstream) },
      models: [embeddingsModel(['primary'])],
      presets: [{ name: 'vectors', model: EMBED, system: 'You are terse.', params: { temperature: 0.2, dimensions: 3, user: 'preset-user', top_p: 0.5 } }],
    });
    const { data, response } = await gw.client().embeddings.create({ model: '@preset/vectors', input: 'hello world', encoding_format: 'float', top_p: 0.9 } as OpenAI.EmbeddingCreateParams).withResponse();
    expect(data.model).toBe(EMBED);
    // the client's own top_p is the client's (relayed); the preset's temperature and system prompt did not go
    expect(response.headers.get('x-anyrouter-dropped-params')).toBe('temperature,system');
    expect(upstream.requests[0]!.body).toEqual({ model: 'primary-embed', input: 'hello world', encoding_format: 'float', top_p: 0.9, dimensions: 3, user: 'preset-user' });

    // `preset` beside the model: the same rule; a preset with embeddings parameters only drops nothing
    const named = await gw.client().embeddings.create({ model: EMBED, preset: 'vectors', input: 'again', encoding_format: 'float' } as OpenAI.EmbeddingCreateParams).withResponse();
    expect(named.response.headers.get('x-anyrouter-dropped-params')).toBe('temperature,top_p,system');
    expect(upstream.requests[1]!.body).toEqual({ model: 'primary-embed', input: 'again', encoding_format: 'float', dimensions: 3, user: 'preset-user' });
  });

  it('a batch in base64 (as the SDK sends by default) comes back decoded, and /api/v1 serves the same', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream) }, models: [embeddingsModel(['primary'])] });
    const inputs = ['one', 'two', 'three'];

    const decoded = await gw.client({ base: '/api/v1' }).embeddings.create({ model: EMBED, input: inputs, dimensions: 6 });
    expect(decoded.data.map((d) => d.embedding)).toEqual(inputs.map((_, i) => mockEmbedding(i, 6)));
    expect(upstream.requests[0]!.body).toMatchObject({ encoding_format: 'base64', dimensions: 6 });

    const raw = await gw.client().embeddings.create({ model: EMBED, input: inputs, encoding_format: 'base64' });
    expect(raw.data.map((d) => d.index)).toEqual([0, 1, 2]);
    for (const item of raw.data) expect(float32s(item.embedding as unknown as string)).toEqual(mockEmbedding(item.index));
  });

  it('a 429 quarantines the key and the next key serves; later requests skip the quarantined key', async () => {
    const upstream = await e2e.mock();
    const a = secretOf('primary', 'a');
    const b = secretOf('primary', 'b');
    upstream.setByKey({ [a]: { status: 429, headers: { 'retry-after': '60' } } });
    const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream, { keys: ['a', 'b'] }) }, models: [embeddingsModel(['primary'])] });

    const { data, response } = await gw.client().embeddings.create({ model: EMBED, input: 'x', encoding_format: 'float' }).withResponse();
    expect(data.data[0]!.embedding).toEqual(mockEmbedding(0));
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    await gw.client().embeddings.create({ model: EMBED, input: 'y', encoding_format: 'float' });
    expect(countByKey(upstream)).toEqual({ [a]: 1, [b]: 2 });
  });

  it('a 5xx moves on to the next upstream', async () => {
    const primary = await e2e.mock({ default: { status: 503 } });
    const secondary = await e2e.mock();
    const gw = await e2e.gateway({ providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) }, models: [embeddingsModel(['primary', 'secondary'])] });

    const { data, response } = await gw.client().embeddings.create({ model: EMBED, input: ['a', 'b'], encoding_format: 'float' }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(response.headers.get('x-anyrouter-upstream')).toBe('secondary');
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests[0]!.body).toMatchObject({ model: 'secondary-embed', input: ['a', 'b'] });
  });

  it('a 400 from the upstream is returned, without trying the next upstream', async () => {
    const primary = await e2e.mock({ default: { status: 400, message: "This model's maximum context length is 8192 tokens" } });
    const secondary = await e2e.mock();
    const gw = await e2e.gateway({ providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) }, models: [embeddingsModel(['primary', 'secondary'])] });
    const error = await gw.client().embeddings.create({ model: EMBED, input: 'long' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain('maximum context length');
    expect(secondary.requests).toHaveLength(0);
  });

  it('records prompt tokens and the cost at the model pricing in the request log, and prices the usage', async () => {
    const upstream = await e2e.mock({ default: { usage: { prompt_tokens: 1500, completion_tokens: 0 } } });
    const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream) }, models: [embeddingsModel(['primary'])], logging: { enabled: true } });
    const { data, response } = await gw.client().embeddings.create({ model: EMBED, input: ['a', 'b'], encoding_format: 'float' }).withResponse();
    // $1 per 1M prompt tokens
    expect((data.usage as unknown as { cost: number }).cost).toBeCloseTo(0.0015, 10);
    expect(Number(response.headers.get('x-anyrouter-cost'))).toBeCloseTo(0.0015, 10);

    const record = await waitForRecord(gw, response.headers.get('x-anyrouter-request-id')!);
    expect(record).toMatchObject({ protocol: 'openai-embeddings', servedModel: EMBED, status: 200, tokens: expect.objectContaining({ prompt: 1500 }) });
    expect(record.costUsd).toBeCloseTo(0.0015, 10);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/anyrouter_requests_total\{[^}]*model="test\/embed"[^}]*protocol="openai-embeddings"[^}]*\} 1/);
  });

  describe('a gemini upstream', () => {
    it('gets one input as :embedContent, with outputDimensionality; the usage is the gateway estimate, marked', async () => {
      const gemini = await e2e.geminiMock();
      const gw = await e2e.gateway({ providers: { google: geminiProvider('google', gemini) }, models: [embeddingsModel(['google'])] });
      const { data, response } = await gw.client().embeddings.create({ model: EMBED, input: 'What is the meaning of life?', encoding_format: 'float', dimensions: 3 }).withResponse();

      expect(data).toMatchObject({ object: 'list', model: EMBED, data: [{ object: 'embedding', index: 0, embedding: mockEmbedding(0, 3) }] });
      // 28 characters / 4
      expect(data.usage).toMatchObject({ prompt_tokens: 7, total_tokens: 7 });
      expect(response.headers.get('x-anyrouter-token-count')).toBe('estimate');
      const sent = gemini.requests[0]!;
      expect(sent.path).toBe('/v1beta/models/google-embed:embedContent');
      expect(sent.headers['x-goog-api-key']).toBe(secretOf('google'));
      expect(sent.body).toEqual({ content: { parts: [{ text: 'What is the meaning of life?' }] }, outputDimensionality: 3 });
    });

    it('gets several inputs as :batchEmbedContents; base64 answers are float32 little-endian; usageMetadata counts', async () => {
      const gemini = await e2e.geminiMock({ default: { usage: { promptTokenCount: 21, candidatesTokenCount: 0 } } });
      const gw = await e2e.gateway({ providers: { google: geminiProvider('google', gemini) }, models: [embeddingsModel(['google'])], logging: { enabled: true } });
      const inputs = ['What is the meaning of life?', 'How much wood would a woodchuck chuck?', 'How does the brain work?'];

      // the SDK asks for base64 and decodes it
      const decoded = await gw.client().embeddings.create({ model: EMBED, input: inputs });
      expect(decoded.data.map((d) => d.embedding)).toEqual(inputs.map((_, i) => mockEmbedding(i)));
      const { data, response } = await gw.client().embeddings.create({ model: EMBED, input: inputs, encoding_format: 'base64', user: 'u-2' }).withResponse();
      for (const item of data.data) expect(float32s(item.embedding as unknown as string)).toEqual(mockEmbedding(item.index));
      expect(data.usage).toMatchObject({ prompt_tokens: 21, total_tokens: 21 });
      expect(response.headers.get('x-anyrouter-token-count')).toBe('upstream');
      expect(response.headers.get('x-anyrouter-dropped-params')).toBe('user');

      const sent = gemini.requests[1]!;
      expect(sent.path).toBe('/v1beta/models/google-embed:batchEmbedContents');
      expect(sent.body).toEqual({ requests: inputs.map((text) => ({ model: 'models/google-embed', content: { parts: [{ text }] } })) });
      const record = await waitForRecord(gw, response.headers.get('x-anyrouter-request-id')!);
      expect(record).toMatchObject({ protocol: 'openai-embeddings', tokens: expect.objectContaining({ prompt: 21 }) });
      expect(record.costUsd).toBeCloseTo(21 / 1e6, 12);
    });

    it('a 429 on gemini fails over to an OpenAI-compatible upstream, and a gemini 400 comes back in the OpenAI envelope', async () => {
      const gemini = await e2e.geminiMock();
      const openai = await e2e.mock();
      const gw = await e2e.gateway({ providers: { google: geminiProvider('google', gemini), backup: provider('backup', openai) }, models: [embeddingsModel(['google', 'backup'])] });

      gemini.script([{ status: 429 }, { status: 400, message: 'Request contains an invalid argument.' }]);
      const served = await gw.client().embeddings.create({ model: EMBED, input: 'hi', encoding_format: 'float' }).withResponse();
      expect(served.response.headers.get('x-anyrouter-upstream')).toBe('backup');

      // the 429 quarantined google's only key: the next request goes to backup; make google's key usable again by a fresh gateway
      const fresh = await e2e.gateway({ providers: { google: geminiProvider('google', gemini), backup: provider('backup', openai) }, models: [embeddingsModel(['google', 'backup'])] });
      const res = await post(fresh, '/v1/embeddings', { model: EMBED, input: 'hi' });
      expect(res.status).toBe(400);
      const body = (await res.json()) as GatewayErrorBody;
      expect(body.error.message).toContain('invalid argument');
      expect(body.error.request_id).toBe(res.headers.get('x-anyrouter-request-id'));
      expect(openai.requests).toHaveLength(1);
    });

    it('token-id input cannot be translated: a 400 when gemini is the only upstream, the OpenAI-compatible one when there is one', async () => {
      const gemini = await e2e.geminiMock();
      const openai = await e2e.mock();
      const only = await e2e.gateway({ providers: { google: geminiProvider('google', gemini) }, models: [embeddingsModel(['google'])] });
      const refused = await post(only, '/v1/embeddings', { model: EMBED, input: [[1, 2, 3]] });
      expect(refused.status).toBe(400);
      expect(((await refused.json()) as GatewayErrorBody).error).toMatchObject({ code: 'untranslatable_request', message: expect.stringContaining('token-id input') });

      const both = await e2e.gateway({ providers: { google: geminiProvider('google', gemini), backup: provider('backup', openai) }, models: [embeddingsModel(['google', 'backup'])] });
      const served = await both.client().embeddings.create({ model: EMBED, input: [1, 2, 3], encoding_format: 'float' });
      expect(served.data).toHaveLength(1);
      expect(gemini.requests).toHaveLength(0);
    });
  });

  describe('what it refuses, in OpenAI’s envelope', () => {
    it('a chat model on /embeddings, and an embeddings model on /chat/completions', async () => {
      const upstream = await e2e.mock();
      const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream) }, models: [chatModel(['primary']), embeddingsModel(['primary'])] });

      const error = await gw.client().embeddings.create({ model: MODEL, input: 'hi' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const res = await post(gw, '/v1/embeddings', { model: MODEL, input: 'hi' });
      expect(res.status).toBe(400);
      const body = (await res.json()) as GatewayErrorBody;
      expect(body.error).toMatchObject({ type: 'invalid_request_error', code: 'not_an_embeddings_model', request_id: res.headers.get('x-anyrouter-request-id') });
      expect(body.error.message).toContain(`model '${MODEL}' is not an embeddings model`);
      expect(body.error.message).toContain(EMBED);

      const chat = await gw.postChat({ model: EMBED, messages: [{ role: 'user', content: 'hi' }] });
      expect(chat.status).toBe(400);
      expect(((await chat.json()) as GatewayErrorBody).error).toMatchObject({ code: 'embeddings_model', message: expect.stringContaining('POST /v1/embeddings') });
      expect(upstream.requests).toHaveLength(0);
    });

    it('an anthropic upstream is skipped with a reason; a malformed input is a 400 before any upstream call', async () => {
      const claude = await e2e.anthropicMock();
      const upstream = await e2e.mock();
      const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude), primary: provider('primary', upstream) }, models: [embeddingsModel(['claude']), embeddingsModel(['claude', 'primary'], 'test/embed-2')] });

      const none = await post(gw, '/v1/embeddings', { model: EMBED, input: 'hi' });
      expect(none.status).toBe(400);
      expect(((await none.json()) as GatewayErrorBody).error).toMatchObject({ code: 'no_matching_upstream', message: expect.stringContaining('embeddings excluded 1') });
      const served = await gw.client().embeddings.create({ model: 'test/embed-2', input: 'hi', encoding_format: 'float' }).withResponse();
      expect(served.response.headers.get('x-anyrouter-upstream')).toBe('primary');
      expect(claude.requests).toHaveLength(0);

      for (const input of [[], '', [1, 'a'], [['x']]]) {
        const res = await post(gw, '/v1/embeddings', { model: 'test/embed-2', input });
        expect(res.status).toBe(400);
        expect(((await res.json()) as GatewayErrorBody).error.code).toBe('invalid_embeddings_request');
      }
      const streamed = await post(gw, '/v1/embeddings', { model: 'test/embed-2', input: 'hi', stream: true });
      expect(streamed.status).toBe(400);
      expect(upstream.requests).toHaveLength(1);
    });

    it("an embeddings answer's cost counts against a key's budget, and its prompt tokens against its tpm", async () => {
      const upstream = await e2e.mock({ default: { usage: { prompt_tokens: 1500, completion_tokens: 0 } } });
      const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
      const gw = await e2e.gateway({
        providers: { primary: provider('primary', upstream) },
        // $1,000 per 1M prompt tokens: 1,500 tokens cost $1.50
        models: [{ ...embeddingsModel(['primary']), pricing: { prompt: 1000, completion: 0 } }],
        auth: { gatewayKeys: [{ name: 'budgeted', sha256: sha256('gk-budget'), budget: { usd: 2, period: 'day' } }, { name: 'tokens', sha256: sha256('gk-tokens'), tpm: 1000 }] },
      });
      const budgeted = gw.client({ apiKey: 'gk-budget' });
      await budgeted.embeddings.create({ model: EMBED, input: 'a', encoding_format: 'float' });
      await budgeted.embeddings.create({ model: EMBED, input: 'b', encoding_format: 'float' });
      const overBudget = await post(gw, '/v1/embeddings', { model: EMBED, input: 'c' }, { headers: { authorization: 'Bearer gk-budget' } });
      expect(overBudget.status).toBe(402);
      expect(((await overBudget.json()) as GatewayErrorBody).error.code).toBe('budget_exceeded');

      const tokens = gw.client({ apiKey: 'gk-tokens' });
      await tokens.embeddings.create({ model: EMBED, input: 'a', encoding_format: 'float' });
      const overTpm = await tokens.embeddings.create({ model: EMBED, input: 'b' }).catch((e: unknown) => e);
      expect(overTpm).toBeInstanceOf(OpenAI.RateLimitError);
      expect(upstream.requests).toHaveLength(3);
    });

    it("a gateway key's model globs apply; the catalog lists the embeddings model", async () => {
      const upstream = await e2e.mock();
      const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
      const gw = await e2e.gateway({
        providers: { primary: provider('primary', upstream) },
        models: [chatModel(['primary']), embeddingsModel(['primary'])],
        auth: { gatewayKeys: [{ name: 'chat-only', sha256: sha256('gk-chat-only'), models: ['test/chat'] }, { name: 'all', sha256: sha256('gk-all'), models: ['*'] }] },
      });
      const refused = await gw.client({ apiKey: 'gk-chat-only' }).embeddings.create({ model: EMBED, input: 'hi' }).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
      const served = await gw.client({ apiKey: 'gk-all' }).embeddings.create({ model: EMBED, input: 'hi', encoding_format: 'float' });
      expect(served.data).toHaveLength(1);
      const listed = await gw.client({ apiKey: 'gk-all' }).models.list();
      expect(listed.data.map((m) => m.id)).toContain(EMBED);
    });
  });
});
