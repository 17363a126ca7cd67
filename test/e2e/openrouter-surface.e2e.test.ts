/**
 * OpenRouter's request surface over real HTTP with the official SDKs: the data-policy and precision
 * filters of the `provider` object over upstream attributes in the model YAML (an upstream that declares
 * nothing does not match `zdr` or `data_collection: deny`), did-you-mean for an unknown provider field,
 * `transforms: ["middle-out"]` bringing an over-long conversation under the context, `user` in the
 * request log and its usage groups, and `models` fallbacks on `/messages` and `/responses`.
 */
import Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { MODEL, messages, provider, type GatewayErrorBody } from './harness.js';
import { anthropicClient, anthropicProvider, post, useProtocolE2E } from './protocols-harness.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';

const e2e = useProtocolE2E();
const OTHER = 'test/other';
const chats = (mock: { requests: Array<{ path: string }> }) => mock.requests.filter((r) => r.path.endsWith('/chat/completions') || r.path.endsWith('/messages')).length;

/** `test/chat` on four upstreams: `plain` declares nothing; the others declare data policies and precision. */
async function policyGateway() {
  const plain = await e2e.mock();
  const zdr = await e2e.mock();
  const deny = await e2e.mock();
  const fp8 = await e2e.mock();
  const model: ModelInput = {
    id: MODEL,
    context: 128_000,
    pricing: { prompt: 1, completion: 2 },
    upstreams: [
      { provider: 'plain', model: 'plain-model', priority: 1 },
      { provider: 'zdr', model: 'zdr-model', priority: 2, zdr: true, dataCollection: 'allow', quantization: 'bf16' },
      { provider: 'deny', model: 'deny-model', priority: 3, dataCollection: 'deny', distillable: true },
      { provider: 'fp8', model: 'fp8-model', priority: 4, quantization: 'fp8' },
    ],
  };
  const gw = await e2e.gateway({ providers: { plain: provider('plain', plain), zdr: provider('zdr', zdr), deny: provider('deny', deny), fp8: provider('fp8', fp8) }, models: [model] });
  return { gw, mocks: { plain, zdr, deny, fp8 } as Record<string, MockUpstream> };
}

describe('e2e: the provider object filters on upstream attributes', () => {
  it('zdr, data_collection, quantizations and enforce_distillable_text each route only to the upstreams that declare a match', async () => {
    const { gw } = await policyGateway();
    const servedBy = async (prefs: Record<string, unknown>) => {
      const { response } = await gw.client().chat.completions.create({ model: MODEL, messages, provider: prefs } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
      return response.headers.get('x-anyrouter-upstream');
    };
    expect(await servedBy({})).toBe('plain');
    // `plain` declares no data policy: it matches neither zdr nor deny
    expect(await servedBy({ zdr: true })).toBe('zdr');
    expect(await servedBy({ data_collection: 'deny' })).toBe('deny');
    expect(await servedBy({ data_collection: 'allow' })).toBe('plain');
    expect(await servedBy({ quantizations: ['fp8'] })).toBe('fp8');
    expect(await servedBy({ quantizations: ['fp8', 'bf16'] })).toBe('zdr');
    // an upstream that declares no quantization counts as `unknown`
    expect(await servedBy({ quantizations: ['unknown'] })).toBe('plain');
    expect(await servedBy({ enforce_distillable_text: true })).toBe('deny');
  });

  it('fails over only among the upstreams the filter keeps', async () => {
    const { gw, mocks } = await policyGateway();
    mocks.zdr!.setDefault({ status: 503 });
    const res = await gw.postChat({ model: MODEL, messages, provider: { zdr: true } });
    // the only zdr upstream failed: nothing else may be tried
    expect(res.status).toBe(502);
    expect(chats(mocks.plain!) + chats(mocks.deny!) + chats(mocks.fp8!)).toBe(0);
    const denied = await gw.postChat({ model: MODEL, messages, provider: { data_collection: 'deny', quantizations: ['fp8'] } });
    expect(denied.status).toBe(404);
  });

  it('a filter that leaves nothing is a 404 naming it, without an upstream call', async () => {
    const { gw, mocks } = await policyGateway();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ zdr: true, quantizations: ['fp8'] }, 'provider.zdr'],
      [{ data_collection: 'deny', only: ['plain', 'fp8'] }, 'provider.data_collection'],
      [{ quantizations: ['int4'] }, 'provider.quantizations'],
      [{ enforce_distillable_text: true, ignore: ['deny'] }, 'provider.enforce_distillable_text'],
    ];
    for (const [prefs, filter] of cases) {
      const res = await gw.postChat({ model: MODEL, messages, provider: prefs });
      expect(res.status, filter).toBe(404);
      const body = (await res.json()) as GatewayErrorBody;
      expect(body.error.code).toBe('no_matching_upstream');
      expect(body.error.message).toContain(filter);
    }
    expect(Object.values(mocks).reduce((n, m) => n + chats(m), 0)).toBe(0);
  });

  it('an unknown provider field stays a 400, with a did-you-mean', async () => {
    const { gw } = await policyGateway();
    const res = await gw.postChat({ model: MODEL, messages, provider: { zrd: true } });
    expect(res.status).toBe(400);
    const body = (await res.json()) as GatewayErrorBody;
    expect(body.error.code).toBe('invalid_provider');
    expect(body.error.message).toContain("unknown field 'zrd' (did you mean 'zdr'?)");
    const bad = await gw.postChat({ model: MODEL, messages, provider: { quantizations: ['fp7'] } });
    expect(bad.status).toBe(400);
  });
});

describe('e2e: transforms', () => {
  /** A conversation of `turns` user/assistant pairs of ~1,000 estimated tokens each, then a question. */
  function longConversation(turns: number): OpenAI.ChatCompletionMessageParam[] {
    const out: OpenAI.ChatCompletionMessageParam[] = [{ role: 'system', content: 'You are terse.' }, { role: 'user', content: 'The task: summarise.' }];
    for (let i = 0; i < turns; i++) out.push({ role: 'assistant', content: `answer ${i} ` + 'x'.repeat(4_000) }, { role: 'user', content: `more ${i} ` + 'y'.repeat(4_000) });
    out.push({ role: 'assistant', content: 'ok' }, { role: 'user', content: 'And the last question?' });
    return out;
  }

  async function smallContextGateway() {
    const up = await e2e.mock();
    const gw = await e2e.gateway({ providers: { up: provider('up', up) }, models: [{ id: MODEL, context: 8_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'up', model: 'up-model' }] }] });
    return { up, gw };
  }

  it('middle-out drops the middle of an over-long conversation so it fits the context, and the answer succeeds', async () => {
    const { up, gw } = await smallContextGateway();
    const conversation = longConversation(20); // ~40,000 estimated tokens against 8,000
    // without the transform the prompt is over the context: refused before any upstream call
    const refused = await gw.postChat({ model: MODEL, messages: conversation });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as GatewayErrorBody).error.message).toContain('context_length');
    expect(up.requests).toHaveLength(0);

    const { data, response } = await gw.client().chat.completions.create({ model: MODEL, messages: conversation, max_tokens: 500, transforms: ['middle-out'] } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const sent = up.requests[0]!.body as { messages: Array<{ role: string; content: string }>; transforms?: unknown };
    expect(sent.transforms).toBeUndefined();
    const removed = Number(response.headers.get('x-anyrouter-middle-out'));
    expect(removed).toBeGreaterThan(0);
    expect(sent.messages).toHaveLength(conversation.length - removed);
    // the system prompt and the task stay first, the latest turns last
    expect(sent.messages.slice(0, 2)).toEqual(conversation.slice(0, 2));
    expect(sent.messages.slice(-2)).toEqual(conversation.slice(-2));
    const chars = sent.messages.reduce((n, m) => n + m.content.length, 0);
    expect(chars / 4).toBeLessThanOrEqual(8_000 - 500);
  });

  it('a conversation that fits is sent as it is, and an unknown transform is refused by name', async () => {
    const { up, gw } = await smallContextGateway();
    const { response } = await gw.client().chat.completions.create({ model: MODEL, messages, transforms: ['middle-out'] } as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    expect(response.headers.get('x-anyrouter-middle-out')).toBeNull();
    expect((up.requests[0]!.body as { messages: unknown }).messages).toEqual(messages);
    const res = await gw.postChat({ model: MODEL, messages, transforms: ['middle_out'] });
    expect(res.status).toBe(400);
    const body = (await res.json()) as GatewayErrorBody;
    expect(body.error.code).toBe('invalid_transforms');
    expect(body.error.message).toContain("unknown transform 'middle_out' (did you mean 'middle-out'?)");
  });

  it('middle-out on /messages keeps user and assistant turns alternating', async () => {
    const claude = await e2e.anthropicMock();
    const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude) }, models: [{ id: MODEL, context: 8_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'claude', model: 'claude-model' }] }] });
    const turns: Anthropic.MessageParam[] = [{ role: 'user', content: 'The task.' }];
    for (let i = 0; i < 15; i++) turns.push({ role: 'assistant', content: 'a'.repeat(4_000) }, { role: 'user', content: 'u'.repeat(4_000) });
    const message = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 100, system: 'Be brief.', messages: turns, transforms: ['middle-out'] } as Anthropic.MessageCreateParamsNonStreaming);
    expect(message.type).toBe('message');
    const sent = (claude.requests[0]!.body as { messages: Array<{ role: string }> }).messages;
    expect(sent.length).toBeLessThan(turns.length);
    expect(sent[0]).toEqual(turns[0]);
    for (let i = 1; i < sent.length; i++) expect(sent[i]!.role).not.toBe(sent[i - 1]!.role);
  });
});

describe('e2e: user and model fallbacks on every endpoint', () => {
  it('records `user` (and Messages metadata.user_id) in the request log, and usage groups by it', async () => {
    const up = await e2e.mock();
    const gw = await e2e.gateway({ providers: { up: provider('up', up) }, models: [{ id: MODEL, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'up', model: 'up-model' }] }], logging: { enabled: true } });
    await gw.client().chat.completions.create({ model: MODEL, messages, user: 'alice' });
    await gw.client().chat.completions.create({ model: MODEL, messages, user: 'alice' });
    await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: 'bob' } });
    await gw.client().responses.create({ model: MODEL, input: 'hi', user: 'carol' });
    await gw.client().chat.completions.create({ model: MODEL, messages });
    const log = gw.gateway.state.observability!.log!;
    let rows: Array<{ group: string | null; requests: number }> = [];
    for (let i = 0; i < 50; i++) {
      rows = (await log.reader.usage({ groupBy: 'user' })).map((r) => ({ group: r.group, requests: r.requests }));
      if (rows.reduce((n, r) => n + r.requests, 0) === 5) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(rows).toEqual([
      { group: null, requests: 1 },
      { group: 'alice', requests: 2 },
      { group: 'bob', requests: 1 },
      { group: 'carol', requests: 1 },
    ]);
    const page = await log.reader.listRequests({ user: 'bob' });
    expect(page.requests.map((r) => r.protocol)).toEqual(['anthropic-messages']);
  });

  it("records Claude Code's metadata.user_id blob as a short stable end user (its account), but does not send it to an OpenAI upstream as `user`", async () => {
    const up = await e2e.mock();
    const gw = await e2e.gateway({ providers: { up: provider('up', up) }, models: [{ id: MODEL, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'up', model: 'up-model' }] }], logging: { enabled: true } });
    const blob = `user_${'0f'.repeat(32)}_account_0d2b3c4e-1111-4222-8333-944445555666_session_5f6e7d8c-aaaa-4bbb-8ccc-dddd0000eeee`;
    const { response } = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: blob } }).withResponse();
    expect(response.headers.get('x-anyrouter-dropped-params')).toContain('metadata.user_id');
    expect(up.requests[0]!.body).not.toHaveProperty('user');
    expect(up.requests[0]!.rawBody).not.toContain('account_');
    const log = gw.gateway.state.observability!.log!;
    let users: Array<string | undefined> = [];
    for (let i = 0; i < 50 && users.length === 0; i++) {
      users = (await log.reader.listRequests({ user: 'account:0d2b3c4e-111' })).requests.map((r) => r.user);
      if (users.length === 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(users).toEqual(['account:0d2b3c4e-111']);
  });

  async function fallbackGateway() {
    const a = await e2e.mock();
    const c = await e2e.mock();
    a.setDefault({ status: 500 });
    const gw = await e2e.gateway({
      providers: { a: provider('a', a), c: provider('c', c) },
      models: [
        { id: MODEL, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'a', model: 'a-model' }] },
        { id: OTHER, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'c', model: 'c-model' }] },
      ],
    });
    return { a, c, gw };
  }

  it('`models` on /messages moves to the next model, streamed or not', async () => {
    const { c, gw } = await fallbackGateway();
    const client = anthropicClient(gw);
    const { data, response } = await client.messages.create({ model: MODEL, models: [OTHER], max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } as Anthropic.MessageCreateParamsNonStreaming).withResponse();
    expect(data.model).toBe(OTHER);
    expect(response.headers.get('x-anyrouter-model')).toBe(OTHER);
    const stream = client.messages.stream({ model: MODEL, models: [OTHER], max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] } as Anthropic.MessageStreamParams);
    expect((await stream.finalMessage()).model).toBe(OTHER);
    expect(chats(c)).toBe(2);
    expect((c.requests[0]!.body as Record<string, unknown>).models).toBeUndefined();
  });

  it('`models` on /responses moves to the next model', async () => {
    const { gw } = await fallbackGateway();
    const { data, response } = await gw.client().responses.create({ model: MODEL, models: [OTHER], input: 'hi' } as OpenAI.Responses.ResponseCreateParamsNonStreaming).withResponse();
    expect(data.model).toBe(OTHER);
    expect(response.headers.get('x-anyrouter-model')).toBe(OTHER);
    const raw = await post(gw, '/v1/responses', { model: MODEL, models: ['test/nope'], input: 'hi' });
    expect(raw.status).toBe(404);
  });
});
