/**
 * Routing policies over real HTTP: a `models` fallback, presets as the upstream sees them, a hard
 * `provider.only` filter on a cooling provider, and BYOK keys tried before the operator's shared pool.
 */
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, envName, messages, provider, useE2E } from './harness.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';

const e2e = useE2E();
const OTHER = 'test/other';
const chat = (mock: MockUpstream) => mock.requests.filter((r) => r.path === '/v1/chat/completions');

describe('e2e: model fallbacks', () => {
  it('serves from the second model when every upstream of the first fails, and the answer names it', async () => {
    const a = await e2e.mock();
    const b = await e2e.mock();
    const c = await e2e.mock();
    a.setDefault({ status: 500 });
    b.setDefault({ status: 503 });
    c.setDefault({ content: 'from the fallback model' });
    const gw = await e2e.gateway({
      providers: { a: provider('a', a), b: provider('b', b), c: provider('c', c) },
      models: [chatModel(['a', 'b']), chatModel(['c'], OTHER, [])],
    });
    const body = { model: MODEL, models: [OTHER], messages } as OpenAI.ChatCompletionCreateParamsNonStreaming;
    const { data, response } = await gw.client().chat.completions.create(body).withResponse();
    expect(data.model).toBe(OTHER);
    expect(data.choices[0]?.message.content).toBe('from the fallback model');
    expect(response.headers.get('x-anyrouter-model')).toBe(OTHER);
    expect(response.headers.get('x-anyrouter-attempts')).toBe('3');
    expect([chat(a).length, chat(b).length, chat(c).length]).toEqual([1, 1, 1]);
    // the gateway's own fields never reach an upstream
    expect(chat(c)[0]).toMatchObject({ body: { model: 'c-model' } });
    expect((c.requests[0]!.body as Record<string, unknown>).models).toBeUndefined();
  });

  it('moves on to the next model on a 400 (e.g. context length), which a single model would return', async () => {
    const a = await e2e.mock();
    const c = await e2e.mock();
    a.setDefault({ status: 400, message: "This model's maximum context length is 8192 tokens" });
    const gw = await e2e.gateway({ providers: { a: provider('a', a), c: provider('c', c) }, models: [chatModel(['a']), chatModel(['c'], OTHER, [])] });
    const { data } = await gw.client().chat.completions.create({ model: MODEL, models: [OTHER], messages } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    expect(data.model).toBe(OTHER);
    await expect(gw.client().chat.completions.create({ model: MODEL, messages })).rejects.toMatchObject({ status: 400 });
  });
});

describe('e2e: presets', () => {
  async function presetGateway() {
    const a = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { a: provider('a', a) },
      models: [chatModel(['a']), chatModel(['a'], OTHER, [])],
      presets: [{ name: 'careful', model: MODEL, system: 'You are a careful assistant.', params: { temperature: 0.2, max_tokens: 300 } }],
    });
    return { a, gw };
  }

  it('@preset/name applies the system prompt and parameters the upstream receives', async () => {
    const { a, gw } = await presetGateway();
    const { data } = await gw.client().chat.completions.create({ model: '@preset/careful', messages }).withResponse();
    expect(data.model).toBe(MODEL);
    const sent = chat(a)[0]!.body as Record<string, unknown>;
    expect(sent.messages).toEqual([{ role: 'system', content: 'You are a careful assistant.' }, ...messages]);
    expect(sent).toMatchObject({ model: 'a-model', temperature: 0.2, max_tokens: 300 });
  });

  it("the request's own values win, and model@preset/name swaps the preset's model", async () => {
    const { a, gw } = await presetGateway();
    await gw.client().chat.completions.create({ model: `${OTHER}@preset/careful`, messages, temperature: 0.9 });
    const sent = chat(a)[0]!.body as Record<string, unknown>;
    expect(sent).toMatchObject({ temperature: 0.9, max_tokens: 300 });
    const res = await gw.postChat({ preset: 'careful', messages });
    expect(res.status).toBe(200);
    expect((chat(a)[1]!.body as Record<string, unknown>).preset).toBeUndefined();
  });

  it('an unknown preset is a 404 with a did-you-mean', async () => {
    const { gw } = await presetGateway();
    await expect(gw.client().chat.completions.create({ model: '@preset/carefull', messages })).rejects.toMatchObject({
      status: 404,
      message: expect.stringContaining("did you mean 'careful'?"),
    });
  });
});

describe('e2e: provider.only is a hard filter', () => {
  it('with the only allowed provider ejected, it is still tried (panic routing), never one the filter excludes', async () => {
    const x = await e2e.mock();
    const y = await e2e.mock();
    x.script([{ status: 500 }]);
    const gw = await e2e.gateway({ providers: { x: provider('x', x), y: provider('y', y) }, models: [chatModel(['x', 'y'])], routing: { outlier: { consecutive: 1 } } });
    const first = await gw.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(first.response.headers.get('x-anyrouter-upstream')).toBe('y'); // x is now ejected
    const before = [chat(x).length, chat(y).length];
    const res = await gw.postChat({ model: MODEL, messages, provider: { only: ['X'] } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-anyrouter-upstream')).toBe('x');
    expect([chat(x).length, chat(y).length]).toEqual([before[0]! + 1, before[1]]);
  });

  it('allow_fallbacks: false keeps failing fast: an ejected primary answers 503 without an upstream call', async () => {
    const x = await e2e.mock();
    const y = await e2e.mock();
    x.script([{ status: 500 }]);
    const gw = await e2e.gateway({ providers: { x: provider('x', x), y: provider('y', y) }, models: [chatModel(['x', 'y'])], routing: { outlier: { consecutive: 1 } } });
    await gw.client().chat.completions.create({ model: MODEL, messages });
    const before = [chat(x).length, chat(y).length];
    const res = await gw.postChat({ model: MODEL, messages, provider: { allow_fallbacks: false } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain('allow_fallbacks');
    expect([chat(x).length, chat(y).length]).toEqual(before);
  });

  it('a filter that leaves nothing names itself, without an upstream call', async () => {
    const x = await e2e.mock();
    const gw = await e2e.gateway({ providers: { x: provider('x', x) }, models: [chatModel(['x'])] });
    const ignored = await gw.postChat({ model: MODEL, messages, provider: { ignore: ['x'] } });
    expect(ignored.status).toBe(404);
    expect(((await ignored.json()) as { error: { message: string } }).error.message).toContain('provider.ignore');
    const pricey = await gw.postChat({ model: MODEL, messages, provider: { max_price: { prompt: 0.5 } } });
    expect(pricey.status).toBe(400);
    expect(((await pricey.json()) as { error: { message: string } }).error.message).toContain('provider.max_price');
    expect(chat(x)).toHaveLength(0);
  });
});

describe('e2e: BYOK first, then the shared pool', () => {
  it("a BYOK key's 429 moves on to the shared key, and the answer says the shared tier served", async () => {
    const p = await e2e.mock();
    const keys = [
      { name: 'mine', value: { env: envName('p', 'mine') }, tier: 'byok' as const },
      { name: 'ops', value: { env: envName('p', 'ops') }, tier: 'shared' as const },
    ];
    // shared listed first: BYOK is still tried first
    const gw = await e2e.gateway({ providers: { p: { ...provider('p', p), keys: [keys[1]!, keys[0]!] } }, models: [chatModel(['p'])] });
    p.setByKey({ [gw.env[envName('p', 'mine')]!]: { status: 429 } });
    const { response } = await gw.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(response.headers.get('x-anyrouter-key-tier')).toBe('shared');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    expect(chat(p).map((r) => (r as { apiKey?: string }).apiKey)).toEqual([gw.env[envName('p', 'mine')], gw.env[envName('p', 'ops')]]);
  });
});
