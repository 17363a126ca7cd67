/**
 * Streams over real HTTP: a stream cut after its first byte ends with an in-band error (never a silently
 * truncated 200), a client abort cancels the upstream call, and a graceful shutdown lets a stream finish.
 */
import OpenAI, { APIError } from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, sseData, useE2E } from './harness.js';

const e2e = useE2E();

const setup = () => e2e.twoUpstreams();

describe('e2e: a stream that dies after its first byte', () => {
  it('the SDK receives the 3 chunks, then throws an APIError from the in-band error event', async () => {
    const { primary, secondary, gw } = await setup();
    primary.setDefault({ content: 'abcdefghijkl', chunks: 4, cutAfterChunks: 3 });

    const { data: stream, response } = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true }).withResponse();
    expect(response.status).toBe(200);
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    let thrown: unknown;
    try {
      for await (const chunk of stream) chunks.push(chunk);
    } catch (error) {
      thrown = error;
    }
    expect(chunks).toHaveLength(3);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abcdef');
    expect(thrown).toBeInstanceOf(APIError);
    expect((thrown as APIError).message).toMatch(/upstream/);
    // after the first byte there is no failover: the secondary was never asked
    expect(secondary.requests).toHaveLength(0);
  });

  it('the raw SSE ends with a finish_reason "error" chunk carrying an error object, and no [DONE]', async () => {
    const { primary, gw } = await setup();
    primary.setDefault({ chunks: 4, cutAfterChunks: 3 });

    const response = await gw.postChat({ model: MODEL, messages, stream: true });
    expect(response.status).toBe(200);
    const requestId = response.headers.get('x-anyrouter-request-id');
    const events = sseData(await response.text());
    expect(events).not.toContain('[DONE]');
    expect(events).toHaveLength(4);
    for (const data of events.slice(0, 3)) expect(JSON.parse(data)).toMatchObject({ object: 'chat.completion.chunk' });
    const last = JSON.parse(events.at(-1)!) as { choices: Array<{ finish_reason: string }>; error: { message: string; request_id: string } };
    expect(last.choices[0]?.finish_reason).toBe('error');
    expect(last.error).toMatchObject({ message: expect.any(String), request_id: requestId });
  });

  it('an upstream that goes silent mid-stream is cut by the idle timeout with an in-band error', async () => {
    const primary = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', primary, { idleTimeoutMs: 150 }) },
      models: [chatModel(['primary'])],
    });
    primary.setDefault({ chunks: 4, stallAfterChunks: 2 });
    const started = Date.now();
    const response = await gw.postChat({ model: MODEL, messages, stream: true });
    const events = sseData(await response.text());
    // undici checks body timeouts on a coarse (about 1 s) timer, so allow for its resolution
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(events).toHaveLength(3);
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ choices: [{ finish_reason: 'error' }], error: { message: 'upstream stream went idle' } });
    await primary.waitFor(() => primary.inFlight === 0);
  });
});

describe('e2e: client abort', () => {
  it('a client that aborts a stream mid-way cancels the upstream request', async () => {
    const { primary, gw } = await setup();
    primary.setDefault({ content: 'x'.repeat(40), chunks: 20, chunkDelayMs: 50 });

    const controller = new AbortController();
    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true }, { signal: controller.signal });
    let received = 0;
    // the SDK ends the iteration quietly when its own signal aborts
    for await (const _chunk of stream) {
      if (++received === 2) controller.abort();
    }
    expect(received).toBe(2);

    await primary.waitFor(() => primary.requests[0]?.aborted === true);
    expect(primary.requests[0]?.finished).toBe(false);
    expect(primary.inFlight).toBe(0);
  });

  it('a client that aborts while waiting for the first byte cancels the upstream request', async () => {
    const { primary, secondary, gw } = await setup();
    primary.setDefault({ delayMs: 5_000 });
    const controller = new AbortController();
    const pending = gw.postChat({ model: MODEL, messages }, { signal: controller.signal });
    await primary.waitFor(() => primary.requests.length === 1);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await primary.waitFor(() => primary.requests[0]?.aborted === true);
    // an abort is not a failover and does not cool the upstream down
    expect(secondary.requests).toHaveLength(0);
    const health = (await (await fetch(`${gw.url}/health`)).json()) as { upstreams: Record<string, unknown> };
    expect(Object.values(health.upstreams)).toEqual([{ state: 'healthy' }, { state: 'healthy' }]);
  });
});

describe('e2e: graceful shutdown', () => {
  it('close() while a slow stream is in flight lets it finish, then stops', async () => {
    const { primary, gw } = await setup();
    primary.setDefault({ content: 'abcdefghij', chunks: 5, chunkDelayMs: 60 });

    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    let closed: Promise<void> | undefined;
    for await (const chunk of stream) {
      chunks.push(chunk);
      closed ??= gw.gateway.close(5_000);
    }
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abcdefghij');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');

    const started = Date.now();
    await closed;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(primary.requests[0]?.finished).toBe(true);
    // no longer accepting connections
    await expect(fetch(`${gw.url}/health`)).rejects.toThrow();
  });
});

describe('e2e: keep-alives while waiting for a slow first byte', () => {
  async function slowSetup() {
    const primary = await e2e.mock();
    const secondary = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) },
      models: [chatModel(['primary', 'secondary'])],
      routing: { keepAliveMs: 40 },
    });
    return { primary, secondary, gw };
  }

  it('sends SSE comments before the first byte; the SDK ignores them and reads the stream', async () => {
    const { primary, gw } = await slowSetup();
    primary.setDefault({ delayMs: 200, content: 'late but fine' });

    const raw = await (await gw.postChat({ model: MODEL, messages, stream: true })).text();
    expect(raw.startsWith(': keep-alive\n\n')).toBe(true);
    expect(sseData(raw).at(-1)).toBe('[DONE]');

    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('late but fine');
  });

  it('a failure after keep-alives went out (but before the first byte) still fails over invisibly', async () => {
    const { primary, secondary, gw } = await slowSetup();
    primary.setDefault({ delayMs: 150, status: 500 });
    secondary.setDefault({ content: 'rescued' });
    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe('rescued');
    expect(primary.requests).toHaveLength(1);
  });

  it('an upstream 400 after keep-alives went out is delivered in-band as an error event', async () => {
    const { primary, secondary, gw } = await slowSetup();
    primary.setDefault({ delayMs: 150, status: 400, message: 'bad parameter' });
    const response = await gw.postChat({ model: MODEL, messages, stream: true });
    expect(response.status).toBe(200);
    const events = sseData(await response.text());
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!)).toMatchObject({ choices: [{ finish_reason: 'error' }], error: { message: 'bad parameter' } });
    expect(secondary.requests).toHaveLength(0);
  });
});
