/**
 * The Anthropic and Gemini mocks speak their providers' wire formats: the official Anthropic SDK reads the
 * Anthropic mock directly (JSON, the streamed event sequence, tool_use, errors incl. 529), and the protocol
 * layer's Gemini decoders read the Gemini mock's answers (JSON and CRLF-separated SSE).
 */
import Anthropic, { APIError } from '@anthropic-ai/sdk';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { accumulateStream, geminiCodec } from '../../src/protocols/index.js';
import { startMockAnthropic, type MockAnthropicUpstream } from './mock-anthropic-upstream.js';
import { startMockGemini, type MockGeminiUpstream } from './mock-gemini-upstream.js';

describe('mock Anthropic upstream', () => {
  let mock: MockAnthropicUpstream;
  let client: Anthropic;
  beforeAll(async () => {
    mock = await startMockAnthropic();
    client = new Anthropic({ baseURL: mock.url.replace(/\/v1$/, ''), apiKey: 'sk-ant-test', maxRetries: 0, timeout: 2000 });
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());
  const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Hi' }];

  it('answers a message and records the request with its headers', async () => {
    mock.setDefault({ content: 'Hello!' });
    const message = await client.messages.create({ model: 'claude-x', max_tokens: 10, messages });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', model: 'claude-x', content: [{ type: 'text', text: 'Hello!' }], stop_reason: 'end_turn' });
    expect(mock.requests[0]).toMatchObject({ path: '/v1/messages', apiKey: 'sk-ant-test', model: 'claude-x', finished: true });
    expect(mock.requests[0]!.headers['anthropic-version']).toBe('2023-06-01');
    expect(mock.requests[0]!.sent).toBe(JSON.stringify(message));
  });

  it('streams the documented event sequence with a thinking block, text and a tool_use', async () => {
    mock.setDefault({ thinking: 'Let me think.', content: 'Checking.', toolUse: { name: 'get_weather', input: { city: 'Paris' } }, chunks: 2 });
    const stream = client.messages.stream({ model: 'claude-x', max_tokens: 10, messages });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type === 'content_block_delta' ? `delta:${event.delta.type}` : event.type);
    const final = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.slice(-2)).toEqual(['message_delta', 'message_stop']);
    expect(types).toContain('delta:thinking_delta');
    expect(types).toContain('delta:signature_delta');
    expect(types).toContain('delta:input_json_delta');
    expect(final.content.map((b) => b.type)).toEqual(['thinking', 'text', 'tool_use']);
    expect(final.content[2]).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(final.stop_reason).toBe('tool_use');
  });

  it('answers errors in Anthropic\'s envelope (529 overloaded_error), and rejects a request without max_tokens', async () => {
    mock.script([{ status: 529 }]);
    const overloaded = await client.messages.create({ model: 'claude-x', max_tokens: 10, messages }).then(() => undefined, (e: unknown) => e);
    expect(overloaded).toBeInstanceOf(APIError);
    expect((overloaded as APIError).status).toBe(529);
    expect((overloaded as APIError).error).toMatchObject({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });

    const missing = await fetch(`${mock.url}/messages`, { method: 'POST', headers: { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: 'claude-x', messages }) });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'max_tokens: Field required' } });
  });

  it('counts tokens', async () => {
    mock.setDefault({ usage: { input_tokens: 42, output_tokens: 0 } });
    expect(await client.messages.countTokens({ model: 'claude-x', messages })).toEqual({ input_tokens: 42 });
  });
});

describe('mock Gemini upstream', () => {
  let mock: MockGeminiUpstream;
  beforeAll(async () => {
    mock = await startMockGemini();
  });
  afterEach(() => mock.reset());
  afterAll(() => mock.close());
  const body = { contents: [{ role: 'user', parts: [{ text: 'Hi' }] }] };
  const call = (path: string, payload: unknown = body) => fetch(`${mock.url}${path}`, { method: 'POST', headers: { 'x-goog-api-key': 'AI-test' }, body: JSON.stringify(payload) });

  it('answers generateContent with a function call and usage metadata', async () => {
    mock.setDefault({ functionCall: { name: 'get_weather', args: { city: 'Paris' } }, usage: { promptTokenCount: 4, candidatesTokenCount: 6 } });
    const response = geminiCodec.decodeResponse(await (await call('/models/gemini-x:generateContent')).json());
    expect(response).toMatchObject({ model: 'gemini-x', stopReason: 'tool_calls', usage: { inputTokens: 4, outputTokens: 6 } });
    expect(response.content).toEqual([expect.objectContaining({ type: 'tool_call', name: 'get_weather', arguments: '{"city":"Paris"}' })]);
    expect(mock.requests[0]).toMatchObject({ apiKey: 'AI-test', model: 'gemini-x', path: '/v1beta/models/gemini-x:generateContent' });
  });

  it('streams with alt=sse: CRLF-separated chunks, the finish reason and final usage last', async () => {
    mock.setDefault({ content: 'abcdef', chunks: 3 });
    const text = await (await call('/models/gemini-x:streamGenerateContent?alt=sse')).text();
    expect(text.split('\r\n\r\n').filter(Boolean)).toHaveLength(3);
    const decoder = geminiCodec.createStreamDecoder();
    const response = accumulateStream([...decoder.push(text), ...decoder.end()]);
    expect(response).toMatchObject({ stopReason: 'stop', content: [{ type: 'text', text: 'abcdef' }] });
    expect(response.usage.outputTokens).toBeGreaterThan(0);
  });

  it('answers errors in Google\'s envelope and rejects unknown fields', async () => {
    mock.script([{ status: 429 }]);
    expect(await (await call('/models/gemini-x:generateContent')).json()).toEqual({ error: { code: 429, message: expect.any(String), status: 'RESOURCE_EXHAUSTED' } });
    const unknown = await call('/models/gemini-x:generateContent', { ...body, model: 'gemini-x' });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ error: { status: 'INVALID_ARGUMENT', message: expect.stringContaining('Unknown name "model"') } });
  });
});
