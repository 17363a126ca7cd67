import OpenAI, { APIError } from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockUpstream } from './mock-openai-upstream.js';

let mock: MockUpstream;
let client: OpenAI;

beforeAll(async () => {
  mock = await startMockOpenAI();
  client = new OpenAI({ baseURL: mock.url, apiKey: 'test', maxRetries: 0, timeout: 2000 });
});
afterEach(() => mock.reset());
afterAll(() => mock.close());

const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];

function postChat(body: Record<string, unknown>, init: { apiKey?: string; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${mock.url}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${init.apiKey ?? 'test'}` },
    body: JSON.stringify({ model: 'gpt-test', messages, ...body }),
    signal: init.signal,
  });
}

describe('mock OpenAI upstream: wire format', () => {
  it('answers a non-streaming chat completion and records the request', async () => {
    mock.setDefault({ content: 'Hi there!' });
    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });

    expect(completion.id).toMatch(/^chatcmpl-/);
    expect(completion.object).toBe('chat.completion');
    expect(completion.model).toBe('gpt-test');
    expect(completion.choices[0]?.message).toMatchObject({ role: 'assistant', content: 'Hi there!' });
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    const usage = completion.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);

    const [request] = mock.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/v1/chat/completions', apiKey: 'test', model: 'gpt-test', aborted: false, finished: true });
    expect(request?.headers['content-type']).toContain('application/json');
    expect(request?.body).toMatchObject({ model: 'gpt-test', messages });
  });

  it('streams role, content deltas, finish_reason, usage and [DONE]', async () => {
    mock.setDefault({ content: 'abcdefghij', chunks: 4 });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('abcdefghij');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(4);
    expect(chunks.at(-2)?.choices[0]?.finish_reason).toBe('stop');
    expect(chunks.at(-1)?.choices).toEqual([]);
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
  });

  it('ends the raw event stream with data: [DONE]', async () => {
    const response = await postChat({ stream: true });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"usage"');
  });

  it('returns a scripted tool call, streamed in argument fragments', async () => {
    const toolCall = { name: 'get_weather', arguments: { city: 'Paris', unit: 'celsius' } };
    mock.script([{ toolCall, chunks: 5 }, { toolCall }]);

    const stream = await client.chat.completions.create({ model: 'gpt-test', messages, stream: true });
    let name = '';
    let args = '';
    let finish: string | null = null;
    let fragments = 0;
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      for (const call of choice?.delta.tool_calls ?? []) {
        name += call.function?.name ?? '';
        if (call.function?.arguments) fragments++;
        args += call.function?.arguments ?? '';
      }
      finish = choice?.finish_reason ?? finish;
    }
    expect(name).toBe('get_weather');
    expect(JSON.parse(args)).toEqual(toolCall.arguments);
    expect(fragments).toBe(5);
    expect(finish).toBe('tool_calls');

    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function.name).toBe('get_weather');
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
  });

  it('lists models', async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(['mock-model']);
  });
});

describe('mock OpenAI upstream: scripted failures', () => {
  it('surfaces a scripted 429 as an APIError, then serves the next scripted answer', async () => {
    mock.script([{ status: 429, headers: { 'retry-after': '1' } }, { content: 'second' }]);

    const error = await client.chat.completions.create({ model: 'gpt-test', messages }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(APIError);
    const apiError = error as APIError;
    expect(apiError.status).toBe(429);
    expect(apiError.code).toBe('rate_limit_exceeded');
    expect(apiError.headers?.get('retry-after')).toBe('1');

    const completion = await client.chat.completions.create({ model: 'gpt-test', messages });
    expect(completion.choices[0]?.message.content).toBe('second');
    expect(mock.requests.map((r) => r.behaviour)).toEqual([{ status: 429, headers: { 'retry-after': '1' } }, { content: 'second' }]);
  });

  it('uses the OpenAI error envelope for every error status', async () => {
    const statuses = [401, 402, 403, 404, 408, 413, 422, 429, 500, 502, 503, 529];
    mock.script(statuses.map((status) => ({ status })));
    for (const status of statuses) {
      const response = await postChat({});
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error: Record<string, unknown> };
      expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
      expect(typeof body.error.message).toBe('string');
    }
  });

  it('adds extra headers to a success', async () => {
    mock.setDefault({ headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '1s' } });
    const response = await postChat({});
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(response.headers.get('x-ratelimit-reset-requests')).toBe('1s');
  });

  it('chooses behaviour by API key and records which key was used', async () => {
    mock.setByKey({ 'key-a': { status: 401 } });
    expect((await postChat({}, { apiKey: 'key-a' })).status).toBe(401);
    expect((await postChat({}, { apiKey: 'key-b' })).status).toBe(200);
    expect(mock.requests.map((r) => r.apiKey)).toEqual(['key-a', 'key-b']);
  });

  it('accepts a behaviour function of the request and its index', async () => {
    mock.setDefault((request, index) => ({ content: `${request.model} #${index}` }));
    await postChat({});
    const body = (await (await postChat({})).json()) as OpenAI.ChatCompletion;
    expect(body.choices[0]?.message.content).toBe('gpt-test #1');
  });

  it('delays the first byte by delayMs', async () => {
    mock.setDefault({ delayMs: 150 });
    const started = Date.now();
    await postChat({});
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });

  it('resets the connection before any response byte', async () => {
    mock.setDefault({ reset: true });
    await expect(postChat({})).rejects.toThrow();
    await mock.waitFor(() => mock.inFlight === 0);
    expect(mock.requests[0]).toMatchObject({ aborted: false, finished: false });
  });

  it('cuts a stream after N chunks without [DONE]', async () => {
    mock.setDefault({ cutAfterChunks: 2, chunks: 5 });
    const response = await postChat({ stream: true });
    expect(response.status).toBe(200);
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    const failure = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        text += decoder.decode(value, { stream: true });
      }
    })().catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(text.match(/^data: /gm)).toHaveLength(2);
    expect(text).not.toContain('[DONE]');
    expect(mock.requests[0]?.aborted).toBe(false);
  });

  it('cuts a non-streaming body half-way', async () => {
    mock.setDefault({ cutAfterChunks: 0 });
    const response = await postChat({});
    await expect(response.json()).rejects.toThrow();
  });

  it('stalls a stream after N chunks with the connection open', async () => {
    mock.setDefault({ stallAfterChunks: 1 });
    const controller = new AbortController();
    const response = await postChat({ stream: true }, { signal: controller.signal });
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toMatch(/^data: \{.*"role":"assistant"/);
    expect(mock.inFlight).toBe(1);
    controller.abort();
    await mock.waitFor(() => mock.requests[0]?.aborted === true);
  });

  it('records a client abort of a hanging request and frees the connection', async () => {
    mock.setDefault({ hang: true });
    const controller = new AbortController();
    const pending = postChat({}, { signal: controller.signal });
    await mock.waitFor(() => mock.inFlight === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await mock.waitFor(() => mock.requests[0]?.aborted === true && mock.inFlight === 0);
    expect(mock.requests[0]?.finished).toBe(false);
  });

  it('records a client abort in the middle of a slow stream', async () => {
    mock.setDefault({ chunks: 10, chunkDelayMs: 50 });
    const controller = new AbortController();
    const response = await postChat({ stream: true }, { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await mock.waitFor(() => mock.requests[0]?.aborted === true && mock.inFlight === 0);
  });

  it('closes promptly while a request hangs', async () => {
    const other = await startMockOpenAI({ default: { hang: true } });
    const pending = fetch(`${other.url}/models`).catch((e: unknown) => e);
    await other.waitFor(() => other.inFlight === 1);
    expect(other.openConnections).toBe(1);
    const started = Date.now();
    await other.close();
    expect(Date.now() - started).toBeLessThan(500);
    expect(await pending).toBeInstanceOf(Error);
    expect(other.requests[0]?.aborted).toBe(false);
  });
});
