/**
 * `POST /v1/messages` with the official `@anthropic-ai/sdk` as client, over real HTTP:
 * - against an OpenAI-format upstream: `messages.create` and `messages.stream` with a tool get Anthropic's
 *   event sequence and a final message whose tool input parses;
 * - against an Anthropic-format upstream: the answer passes through byte for byte (raw SSE and JSON), with
 *   the client's `anthropic-version`, `anthropic-beta` and `cache_control` blocks reaching the upstream;
 * - errors in Anthropic's envelope (bad JSON, unknown model, wrong method, an upstream 400 from an OpenAI
 *   upstream) and a mid-stream cut that ends with an Anthropic `error` event;
 * - `POST /v1/messages/count_tokens`, asked of an Anthropic upstream or estimated.
 */
import Anthropic, { APIError, BadRequestError, NotFoundError } from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, provider } from './harness.js';
import { anthropicClient, anthropicProvider, post, servedBytes, sseEvents, useProtocolE2E, type AnthropicErrorBody } from './protocols-harness.js';

const e2e = useProtocolE2E();

const weatherTool: Anthropic.Tool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string', enum: ['celsius', 'fahrenheit'] } }, required: ['city'] },
};
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'What is the weather in Paris?' }];

async function overOpenAI() {
  const upstream = await e2e.mock();
  const gw = await e2e.gateway({ providers: { oai: provider('oai', upstream) }, models: [chatModel(['oai'])] });
  return { upstream, gw, client: anthropicClient(gw) };
}

async function overAnthropic() {
  const upstream = await e2e.anthropicMock();
  const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', upstream) }, models: [chatModel(['claude'])] });
  return { upstream, gw, client: anthropicClient(gw) };
}

describe('e2e: the Anthropic SDK against an OpenAI-format upstream', () => {
  it('messages.create with a tool: a tool_use block whose input parses, stop_reason tool_use, usage', async () => {
    const { upstream, client } = await overOpenAI();
    upstream.setDefault({ toolCall: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }, usage: { prompt_tokens: 21, completion_tokens: 9 } });

    const { data: message, response } = await client.messages.create({ model: MODEL, max_tokens: 256, system: 'Be brief.', messages: question, tools: [weatherTool], top_k: 5 }).withResponse();

    expect(response.headers.get('x-anyrouter-upstream')).toBe('oai');
    // OpenAI has no top_k: the gateway says it dropped it rather than lose it silently
    expect(response.headers.get('x-anyrouter-dropped-params')).toBe('top_k');
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: MODEL, stop_reason: 'tool_use', usage: { input_tokens: 21, output_tokens: 9 } });
    const toolUse = message.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } });
    expect(toolUse!.id).toBeTruthy();

    // the upstream got an OpenAI chat request: system first, the tool as a function, max tokens carried over
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(sent.apiKey).toBe(e2e.secretOf('oai'));
    expect(sent.body).toMatchObject({
      model: 'oai-model',
      messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is the weather in Paris?' }],
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: weatherTool.input_schema } }],
      max_completion_tokens: 256,
    });
  });

  it('messages.stream with a tool: the documented event sequence, and a final message whose tool input parses', async () => {
    const { upstream, client } = await overOpenAI();
    upstream.setDefault({ toolCall: { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } }, chunks: 4 });

    const stream = client.messages.stream({ model: MODEL, max_tokens: 256, messages: question, tools: [weatherTool] });
    const types: string[] = [];
    let partialJson = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'content_block_delta' && event.delta.type === 'input_json_delta') partialJson += event.delta.partial_json;
    }
    const final = await stream.finalMessage();

    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(types.at(-2)).toBe('message_delta');
    const blockEvents = types.filter((t) => t.startsWith('content_block'));
    expect(blockEvents[0]).toBe('content_block_start');
    expect(blockEvents.at(-1)).toBe('content_block_stop');
    expect(blockEvents.filter((t) => t === 'content_block_delta').length).toBe(4);
    expect(JSON.parse(partialJson)).toEqual({ city: 'Paris', unit: 'celsius' });

    expect(final.stop_reason).toBe('tool_use');
    expect(final.model).toBe(MODEL);
    const toolUse = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(toolUse).toMatchObject({ name: 'get_weather', input: { city: 'Paris', unit: 'celsius' } });
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    // the upstream was asked to stream, with usage
    expect(upstream.requests[0]?.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('messages.stream of text: text deltas, end_turn, usage in message_delta', async () => {
    const { upstream, client } = await overOpenAI();
    upstream.setDefault({ content: 'Sunny, 21 degrees.', chunks: 3, usage: { prompt_tokens: 12, completion_tokens: 6 } });
    const stream = client.messages.stream({ model: MODEL, max_tokens: 64, messages: question });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const final = await stream.finalMessage();
    expect(texts.join('')).toBe('Sunny, 21 degrees.');
    expect(texts).toHaveLength(3);
    expect(final).toMatchObject({ stop_reason: 'end_turn', content: [{ type: 'text', text: 'Sunny, 21 degrees.' }], usage: { input_tokens: 12, output_tokens: 6 } });
  });

  it('an upstream 400 comes back as the SDK BadRequestError, in Anthropic envelope', async () => {
    const { upstream, gw, client } = await overOpenAI();
    upstream.setDefault({ status: 400, message: "Invalid value for 'temperature'." });
    const error = await client.messages.create({ model: MODEL, max_tokens: 16, messages: question, temperature: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).message).toContain("Invalid value for 'temperature'.");
    const raw = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 16, messages: question });
    const body = (await raw.json()) as AnthropicErrorBody;
    expect(raw.status).toBe(400);
    expect(body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: "Invalid value for 'temperature'." }, request_id: raw.headers.get('x-anyrouter-request-id') });
  });
});

describe("e2e: the Anthropic SDK against an Anthropic-format upstream passes through byte for byte (but for the model's name)", () => {
  it("a stream: the raw SSE the client reads is what the upstream sent, with only the message's model naming the catalog id", async () => {
    const { upstream, gw } = await overAnthropic();
    upstream.setDefault({ content: 'Let me check.', toolUse: { name: 'get_weather', input: { city: 'Paris' } }, chunks: 3 });

    const response = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 256, stream: true, messages: question, tools: [weatherTool] });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const received = await response.text();
    expect(received).toBe(servedBytes(upstream.requests[0]!.sent, 'claude-model'));
    const names = sseEvents(received).map((e) => e.event);
    expect(names.slice(0, 3)).toEqual(['message_start', 'content_block_start', 'ping']);
    expect(names.at(-1)).toBe('message_stop');
  });

  it('messages.stream and messages.create through the SDK: the tool input parses, the JSON body is the upstream\'s bytes', async () => {
    const { upstream, gw, client } = await overAnthropic();
    upstream.setDefault({ toolUse: { name: 'get_weather', input: { city: 'Paris', unit: 'celsius', model: 'not-a-model-field' } }, chunks: 5 });

    const final = await client.messages.stream({ model: MODEL, max_tokens: 256, messages: question, tools: [weatherTool] }).finalMessage();
    const toolUse = final.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
    expect(toolUse?.input).toEqual({ city: 'Paris', unit: 'celsius', model: 'not-a-model-field' });
    expect(final.stop_reason).toBe('tool_use');

    const raw = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 256, messages: question, tools: [weatherTool] });
    expect(await raw.text()).toBe(servedBytes(upstream.requests[1]!.sent, 'claude-model'));
    const created = await client.messages.create({ model: MODEL, max_tokens: 256, messages: question, tools: [weatherTool] });
    expect(created.content.find((b) => b.type === 'tool_use')).toMatchObject({ input: { city: 'Paris', unit: 'celsius', model: 'not-a-model-field' } });
  });

  it('the request passes through: only model replaced; anthropic-version, anthropic-beta and cache_control kept; the provider key in x-api-key', async () => {
    const { upstream, gw } = await overAnthropic();
    const body = {
      model: MODEL,
      max_tokens: 100,
      system: [{ type: 'text', text: 'A long, cached system prompt.', cache_control: { type: 'ephemeral' } }],
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi', cache_control: { type: 'ephemeral', ttl: '1h' } }] }],
      // a field only Anthropic knows: it reaches the upstream as it is
      container: 'ctr_123',
    };
    const raw = JSON.stringify(body);
    const response = await post(gw, '/v1/messages', undefined, { raw, headers: { 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11', 'x-api-key': 'gateway-key' } });
    expect(response.status).toBe(200);
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v1/messages');
    expect(sent.rawBody).toBe(raw.replace(`"model":"${MODEL}"`, '"model":"claude-model"'));
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.headers['anthropic-beta']).toBe('prompt-caching-2024-07-31,extended-cache-ttl-2025-04-11');
    expect(sent.apiKey).toBe(e2e.secretOf('claude'));
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('an OpenAI chat client reaches the same Anthropic upstream translated, with the default anthropic-version', async () => {
    const { upstream, gw } = await overAnthropic();
    upstream.setDefault({ content: 'Bonjour', usage: { input_tokens: 5, output_tokens: 2, cache_read_input_tokens: 3 } });
    const completion = await gw.client().chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'French only.' }, { role: 'user', content: 'Hello' }] });
    expect(completion.choices[0]?.message.content).toBe('Bonjour');
    expect(completion.model).toBe(MODEL);
    expect(completion.usage).toMatchObject({ prompt_tokens: 8, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 3 } });
    const sent = upstream.requests[0]!;
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
    expect(sent.body).toMatchObject({ model: 'claude-model', system: 'French only.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }], max_tokens: expect.any(Number) });
  });
});

describe('e2e: errors on /v1/messages are in Anthropic\'s envelope', () => {
  async function expectAnthropicError(response: Response, status: number, type: string): Promise<AnthropicErrorBody> {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    expect(text).not.toMatch(/\n\s+at |\.ts:\d|node_modules/);
    const body = JSON.parse(text) as AnthropicErrorBody;
    expect(body).toEqual({ type: 'error', error: { type, message: expect.any(String) }, request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/) });
    expect(response.headers.get('x-anyrouter-request-id')).toBe(body.request_id);
    return body;
  }

  it('bad JSON is 400 invalid_request_error; a missing messages array too', async () => {
    const { gw, upstream } = await overOpenAI();
    await expectAnthropicError(await post(gw, '/v1/messages', undefined, { raw: '{"model": "test/chat", "messages": [' }), 400, 'invalid_request_error');
    await expectAnthropicError(await post(gw, '/api/v1/messages', { model: MODEL, max_tokens: 5 }), 400, 'invalid_request_error');
    expect(upstream.requests).toHaveLength(0);
  });

  it('an unknown model is 404 not_found_error, which the SDK raises as NotFoundError', async () => {
    const { gw, client } = await overOpenAI();
    const body = await expectAnthropicError(await post(gw, '/v1/messages', { model: 'test/chta', max_tokens: 5, messages: question }), 404, 'not_found_error');
    expect(body.error.message).toContain("did you mean 'test/chat'?");
    const error = await client.messages.create({ model: 'nope/nope', max_tokens: 5, messages: question }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
  });

  it('a wrong method and an unknown path below /v1/messages are Anthropic-shaped too; /v1/chat/completions stays OpenAI-shaped', async () => {
    const { gw } = await overOpenAI();
    const get = await fetch(`${gw.url}/v1/messages`);
    expect(get.headers.get('allow')).toBe('POST');
    await expectAnthropicError(get, 405, 'invalid_request_error');
    await expectAnthropicError(await post(gw, '/v1/messages/batches', {}), 404, 'not_found_error');
    const chat = await fetch(`${gw.url}/v1/chat/completions`);
    expect(Object.keys((await chat.json()) as object)).toEqual(['error']);
  });

  it('a request that cannot be translated for an OpenAI upstream is a 400 naming the part', async () => {
    const { gw, upstream } = await overOpenAI();
    // a server tool alone is dropped and listed; forcing it would change what the request means
    const body = await expectAnthropicError(
      await post(gw, '/v1/messages', { model: MODEL, max_tokens: 5, messages: question, tools: [{ type: 'web_search_20250305', name: 'web_search' }], tool_choice: { type: 'tool', name: 'web_search' } }),
      400,
      'invalid_request_error',
    );
    expect(body.error.message).toContain('tool_choice.name');
    expect(upstream.requests).toHaveLength(0);
    const dropped = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 5, messages: question, tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    expect(dropped.status).toBe(200);
    expect(dropped.headers.get('x-anyrouter-dropped-params')).toBe('tools.web_search_20250305');
  });

  it('a stream cut after its first byte ends with an Anthropic error event (translated and passed through)', async () => {
    const { upstream, gw, client } = await overOpenAI();
    upstream.setDefault({ content: 'abcdefghijkl', chunks: 4, cutAfterChunks: 3 });
    const response = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: question });
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text());
    expect(events[0]?.event).toBe('message_start');
    const last = events.at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('upstream') }, request_id: response.headers.get('x-anyrouter-request-id') });
    expect(events.map((e) => e.event)).not.toContain('message_stop');

    // the SDK throws it as an APIError after the text it got
    const stream = client.messages.stream({ model: MODEL, max_tokens: 64, messages: question });
    const texts: string[] = [];
    stream.on('text', (text) => texts.push(text));
    const error = await stream.finalMessage().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    expect(texts.join('')).toBe('abcdef');

    const claude = await e2e.anthropicMock({ default: { content: 'abcdefghijkl', chunks: 4, cutAfterChunks: 5 } });
    const direct = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude) }, models: [chatModel(['claude'])] });
    const relayed = await post(direct, '/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: question });
    const text = await relayed.text();
    // the upstream's bytes first, untouched, then the gateway's error event
    const relayedBytes = servedBytes(claude.requests[0]!.sent, 'claude-model');
    expect(text.startsWith(relayedBytes)).toBe(true);
    const tail = sseEvents(text.slice(relayedBytes.length));
    expect(tail).toHaveLength(1);
    expect(tail[0]).toMatchObject({ event: 'error' });
  });

  it('an Anthropic upstream\'s own mid-stream error event reaches the client once', async () => {
    const { upstream, gw } = await overAnthropic();
    upstream.setDefault({ content: 'abcdef', chunks: 2, streamErrorAfterChunks: 4 });
    const events = sseEvents(await (await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: question })).text());
    expect(events.filter((e) => e.event === 'error')).toHaveLength(1);
    expect(JSON.parse(events.at(-1)!.data)).toMatchObject({ error: { type: 'overloaded_error' } });
  });
});

describe('e2e: POST /v1/messages/count_tokens', () => {
  it('asks an Anthropic upstream of the model (model replaced, headers relayed)', async () => {
    const { upstream, gw, client } = await overAnthropic();
    upstream.setDefault({ usage: { input_tokens: 1234, output_tokens: 0 } });
    const { data, response } = await client.messages.countTokens({ model: MODEL, messages: question, tools: [weatherTool] }).withResponse();
    expect(data).toEqual({ input_tokens: 1234 });
    expect(response.headers.get('x-anyrouter-token-count')).toBe('upstream');
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v1/messages/count_tokens');
    expect(sent.body).toMatchObject({ model: 'claude-model', messages: question });
    expect(sent.headers['anthropic-version']).toBe('2023-06-01');
  });

  it('estimates (characters / 4) when the model has no Anthropic upstream, or it fails', async () => {
    const { upstream, gw, client } = await overOpenAI();
    const text = 'x'.repeat(400);
    const { data, response } = await client.messages.countTokens({ model: MODEL, system: 'y'.repeat(40), messages: [{ role: 'user', content: text }] }).withResponse();
    expect(response.headers.get('x-anyrouter-token-count')).toBe('estimate');
    expect(data.input_tokens).toBe(110);
    expect(upstream.requests).toHaveLength(0);

    const claude = await e2e.anthropicMock({ default: { status: 529 } });
    const failing = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude) }, models: [chatModel(['claude'])] });
    const estimated = await post(failing, '/v1/messages/count_tokens', { model: MODEL, messages: [{ role: 'user', content: text }] });
    expect(estimated.headers.get('x-anyrouter-token-count')).toBe('estimate');
    expect(await estimated.json()).toEqual({ input_tokens: 100 });
    expect(claude.requests).toHaveLength(1);
    void gw;
  });
});
