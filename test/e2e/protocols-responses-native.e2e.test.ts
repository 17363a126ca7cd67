/**
 * `POST /v1/responses` to an `openai` provider with `responses: true` (it serves Responses itself), with the
 * official `openai` SDK as client over real HTTP: the upstream gets the client's bytes with only `model`
 * replaced (reasoning items with `encrypted_content`, `store`, `include`, hosted and namespace tools,
 * `previous_response_id`), the client gets the upstream's bytes but the response's `model`; 429 and 5xx fail
 * over (a 5xx to a translated upstream of the same model), a 400 comes back as it is, and a stream cut after
 * its first byte ends with `response.failed`.
 */
import OpenAI, { BadRequestError } from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, provider, type GatewayFixture } from './harness.js';
import { anthropicProvider, sseEvents, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();

/** An SDK client whose every request body and answer text is kept, for byte comparisons. */
function recordingClient(gw: GatewayFixture): { client: OpenAI; sent: string[]; received: Array<Promise<string>> } {
  const sent: string[] = [];
  const received: Array<Promise<string>> = [];
  const client = new OpenAI({
    baseURL: `${gw.url}/v1`,
    apiKey: 'unused-gateway-key',
    maxRetries: 0,
    timeout: 5_000,
    fetch: async (url, init) => {
      sent.push(String(init?.body));
      const response = await fetch(url, init);
      received.push(response.clone().text());
      return response;
    },
  });
  return { client, sent, received };
}

/** The client's bytes as a native upstream should get them: only the top-level `model` renamed. */
function withUpstreamModel(clientBytes: string, upstreamModel: string): string {
  return clientBytes.replace(`"model":${JSON.stringify(MODEL)}`, `"model":${JSON.stringify(upstreamModel)}`);
}

/** The upstream's bytes as the client should get them: in each JSON text or SSE event, the first `model` (the response's own) renamed. */
function withCatalogModel(upstreamBytes: string, upstreamModel: string): string {
  const member = `"model":${JSON.stringify(upstreamModel)}`;
  return upstreamBytes
    .split('\n\n')
    .map((part) => part.replace(member, `"model":${JSON.stringify(MODEL)}`))
    .join('\n\n');
}

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  // a `model` member deep in a tool's schema, echoed in the response: never renamed
  parameters: { type: 'object', properties: { city: { type: 'string' }, model: { type: 'string' } }, required: ['city', 'model'], additionalProperties: false },
  strict: true,
};

/** What Codex sends besides functions: a hosted tool and a namespace of functions. */
const codexTools = [weatherTool, { type: 'web_search' }, { type: 'namespace', name: 'mcp__files', description: 'File tools', tools: [{ type: 'function', name: 'read', parameters: { type: 'object', properties: { path: { type: 'string' } } } }] }] as unknown as OpenAI.Responses.Tool[];

/** A gateway whose model is served by a Responses-speaking `openai` provider `up` (upstream model `up-model`). */
async function nativeGateway(reply: Parameters<typeof e2e.mock>[0] = {}) {
  const upstream = await e2e.mock(reply);
  const gw = await e2e.gateway({ providers: { up: provider('up', upstream, { responses: true }) }, models: [chatModel(['up'])] });
  return { upstream, gw };
}

describe('e2e: /v1/responses relayed untouched to an upstream that serves Responses', () => {
  it('responses.create: the client bytes go out but model, the answer bytes come back but model; encrypted reasoning round-trips', async () => {
    const { upstream, gw } = await nativeGateway({ default: { reasoning: 'Checking the weather tool.', content: 'Paris is sunny.' } });
    const { client, sent, received } = recordingClient(gw);
    const first = await client.responses
      .create({ model: MODEL, input: 'Weather in Paris?', store: false, include: ['reasoning.encrypted_content'], reasoning: { effort: 'high', summary: 'auto' }, tools: codexTools, metadata: { model: 'up-model' } })
      .withResponse();

    const request = upstream.requests[0]!;
    expect(request.path).toBe('/v1/responses');
    expect(request.rawBody).toBe(withUpstreamModel(sent[0]!, 'up-model'));
    expect(await received[0]).toBe(withCatalogModel(request.sent, 'up-model'));
    expect(first.response.headers.get('x-anyrouter-upstream')).toBe('up');
    expect(first.response.headers.get('x-anyrouter-dropped-params')).toBeNull();
    // the usage was read on the way (priced in a header; the body keeps OpenAI's bytes)
    expect(Number(first.response.headers.get('x-anyrouter-cost'))).toBeGreaterThan(0);
    const response = first.data;
    expect(response.model).toBe(MODEL);
    expect(response.metadata).toEqual({ model: 'up-model' });
    expect(response.output_text).toBe('Paris is sunny.');
    const reasoning = response.output.find((item) => item.type === 'reasoning')!;
    expect(reasoning.encrypted_content).toMatch(/^enc_/);

    // the next turn carries the reasoning item back: the upstream gets it as the client sent it
    await client.responses.create({ model: MODEL, input: [{ role: 'user', content: 'Weather in Paris?' }, ...(response.output as OpenAI.Responses.ResponseInputItem[]), { role: 'user', content: 'And tomorrow?' }], store: false, include: ['reasoning.encrypted_content'], tools: codexTools });
    const second = upstream.requests[1]!;
    expect(second.rawBody).toBe(withUpstreamModel(sent[1]!, 'up-model'));
    expect((second.body as { input: unknown[] }).input[1]).toEqual(JSON.parse(JSON.stringify(reasoning)));
  });

  it('responses.create with stream: the events come back byte for byte but response.model', async () => {
    const { upstream, gw } = await nativeGateway({ default: { reasoning: 'Thinking.', content: 'abcdefghi', chunks: 3 } });
    const { client, sent, received } = recordingClient(gw);
    const stream = await client.responses.create({ model: MODEL, input: 'Say the letters', stream: true, store: false, include: ['reasoning.encrypted_content'], tools: [weatherTool] });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    const request = upstream.requests[0]!;
    expect(request.rawBody).toBe(withUpstreamModel(sent[0]!, 'up-model'));
    expect(await received[0]).toBe(withCatalogModel(request.sent, 'up-model'));
    expect(events.map((e) => e.type).at(-1)).toBe('response.completed');
    const completed = events.at(-1) as OpenAI.Responses.ResponseCompletedEvent;
    expect(completed.response.model).toBe(MODEL);
    expect(completed.response.output.find((item) => item.type === 'reasoning')?.encrypted_content).toMatch(/^enc_/);
    expect(events.filter((e) => e.type === 'response.output_text.delta').map((e) => (e as OpenAI.Responses.ResponseTextDeltaEvent).delta).join('')).toBe('abcdefghi');
  });

  it('previous_response_id reaches an upstream that keeps state; a 400 it answers comes back as it is', async () => {
    const { upstream, gw } = await nativeGateway();
    await gw.client().responses.create({ model: MODEL, input: 'And then?', previous_response_id: 'resp_earlier' });
    expect(upstream.requests[0]!.body).toMatchObject({ previous_response_id: 'resp_earlier' });

    upstream.script([{ status: 400, message: "Previous response with id 'resp_gone' not found." }]);
    const error = await gw.client().responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_gone' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain("'resp_gone' not found");
    expect(upstream.requests).toHaveLength(2);
  });

  it('a 429 on one key moves on to the next key, still untranslated', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({ providers: { up: provider('up', upstream, { responses: true, keys: ['a', 'b'] }) }, models: [chatModel(['up'])] });
    upstream.setByKey({ [e2e.secretOf('up', 'a')]: { status: 429, headers: { 'retry-after': '30' } } });
    const { data, response } = await gw.client().responses.create({ model: MODEL, input: 'hi' }).withResponse();
    expect(data.output_text).toBe('Hello from the mock upstream.');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    expect(upstream.requests.map((r) => r.path)).toEqual(['/v1/responses', '/v1/responses']);
  });

  for (const fallback of ['openai', 'anthropic'] as const) {
    it(`a 5xx before the first byte fails over to a translated (${fallback}) upstream of the same model, which lists the reasoning item it dropped`, async () => {
      const native = await e2e.mock({ default: { status: 503 } });
      const translated = fallback === 'openai' ? await e2e.mock({ default: { content: 'From chat.' } }) : await e2e.anthropicMock({ default: { content: 'From chat.' } });
      const gw = await e2e.gateway({
        providers: { up: provider('up', native, { responses: true }), chat: fallback === 'openai' ? provider('chat', translated.url) : anthropicProvider('chat', translated) },
        models: [chatModel(['up', 'chat'])],
      });
      const input = [
        { role: 'user', content: 'Hi' },
        { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'enc_opaque' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] },
        { role: 'user', content: 'Again?' },
      ] as OpenAI.Responses.ResponseInputItem[];
      const { data, response } = await gw.client().responses.create({ model: MODEL, input }).withResponse();
      expect(data.output_text).toBe('From chat.');
      expect(data.model).toBe(MODEL);
      expect(response.headers.get('x-anyrouter-upstream')).toBe('chat');
      expect(response.headers.get('x-anyrouter-dropped-params')).toContain('input.reasoning');
      expect(native.requests).toHaveLength(1);
      expect(translated.requests[0]!.path).toBe(fallback === 'openai' ? '/v1/chat/completions' : '/v1/messages');
      expect(translated.requests[0]!.rawBody).not.toContain('enc_opaque');
    });
  }

  it('a stream cut after its first byte ends with response.failed after the upstream events', async () => {
    const { upstream, gw } = await nativeGateway({ default: { content: 'abcdefghijkl', chunks: 4, cutAfterChunks: 5 } });
    const { client, received } = recordingClient(gw);
    const stream = await client.responses.create({ model: MODEL, input: 'hi', stream: true });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);

    expect(events.map((e) => e.type)).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.failed']);
    const failed = events.at(-1) as OpenAI.Responses.ResponseFailedEvent;
    expect(failed.sequence_number).toBe(5);
    expect(failed.response).toMatchObject({ status: 'failed', model: MODEL, error: { message: expect.stringContaining('upstream') } });
    // what went before the error is the upstream's own bytes
    const text = await received[0]!;
    expect(text.startsWith(withCatalogModel(upstream.requests[0]!.sent, 'up-model'))).toBe(true);
    expect(sseEvents(text).at(-1)?.event).toBe('response.failed');
  });

  it('without an upstream that serves Responses, previous_response_id is refused, saying what keeps state', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({ providers: { chat: provider('chat', upstream) }, models: [chatModel(['chat'])] });
    const error = await gw.client().responses.create({ model: MODEL, input: 'x', previous_response_id: 'resp_1' }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain('responses: true');
    expect(upstream.requests).toHaveLength(0);
  });
});
