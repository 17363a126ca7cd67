/**
 * Failover over real HTTP: 429 and key quarantine with recovery, 5xx/timeout/reset/connect errors before the
 * first byte, and an upstream reporting zero remaining requests.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayConfig } from './harness.js';
import type { MockUpstream } from '../support/mock-openai-upstream.js';

const e2e = useE2E();

async function pair(options: { primaryTarget?: string; primary?: Parameters<typeof provider>[2]; routing?: GatewayConfig['routing'] } = {}) {
  const primary = await e2e.mock();
  const secondary = await e2e.mock();
  secondary.setDefault({ content: 'from secondary' });
  primary.setDefault({ content: 'from primary' });
  const gw = await e2e.gateway({
    providers: {
      primary: provider('primary', options.primaryTarget ?? primary, options.primary),
      secondary: provider('secondary', secondary),
    },
    models: [chatModel(['primary', 'secondary'])],
    ...(options.routing ? { routing: options.routing } : {}),
  });
  return { primary, secondary, gw, client: gw.client() };
}

async function ask(client: OpenAI) {
  const { data, response } = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
  return { content: data.choices[0]?.message.content, upstream: response.headers.get('x-anyrouter-upstream'), attempts: response.headers.get('x-anyrouter-attempts'), response };
}

async function askStream(client: OpenAI) {
  const { data: stream, response } = await client.chat.completions.create({ model: MODEL, messages, stream: true }).withResponse();
  const chunks: OpenAI.ChatCompletionChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return {
    content: chunks.map((c) => c.choices[0]?.delta.content ?? '').join(''),
    finish: chunks.at(-1)?.choices[0]?.finish_reason,
    upstream: response.headers.get('x-anyrouter-upstream'),
    attempts: response.headers.get('x-anyrouter-attempts'),
  };
}

const calls = (mock: MockUpstream) => mock.requests.filter((r) => r.path === '/v1/chat/completions').length;

describe('e2e: 429 on the primary', () => {
  it('fails over to the secondary, skips the primary while its key cools, and returns to it after the cooldown', async () => {
    const { primary, secondary, client } = await pair({ routing: { cooldownMs: 400 } });
    primary.script([{ status: 429 }]); // no Retry-After: quarantined for routing.cooldownMs

    const first = await ask(client);
    expect(first).toMatchObject({ content: 'from secondary', upstream: 'secondary', attempts: '2' });
    expect(first.response.status).toBe(200);
    expect([calls(primary), calls(secondary)]).toEqual([1, 1]);

    const second = await ask(client);
    expect(second).toMatchObject({ upstream: 'secondary', attempts: '1' });
    expect([calls(primary), calls(secondary)]).toEqual([1, 2]);

    await sleep(450);
    const third = await ask(client);
    expect(third).toMatchObject({ content: 'from primary', upstream: 'primary', attempts: '1' });
    expect([calls(primary), calls(secondary)]).toEqual([2, 2]);
  });

  it('honours Retry-After (fractional seconds) for the quarantine length', async () => {
    const { primary, client } = await pair({ routing: { cooldownMs: 60_000 } });
    primary.script([{ status: 429, headers: { 'retry-after': '0.4' } }]);

    expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '2' });
    expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '1' });
    await sleep(450);
    expect(await ask(client)).toMatchObject({ upstream: 'primary', attempts: '1' });
  });
});

describe('e2e: failures before the first byte fail over invisibly', () => {
  it('a streaming upstream answering 500 is replaced by the next one; the stream completes normally', async () => {
    const { primary, secondary, client } = await pair();
    primary.setDefault({ status: 500 });
    secondary.setDefault({ content: 'streamed by secondary', chunks: 3 });

    const result = await askStream(client);
    expect(result).toEqual({ content: 'streamed by secondary', finish: 'stop', upstream: 'secondary', attempts: '2' });
    expect(calls(primary)).toBe(1);
  });

  it('an upstream that hangs past the first-byte timeout fails over (JSON and stream)', async () => {
    const { primary, client } = await pair({ primary: { firstByteTimeoutMs: 150 } });
    primary.setDefault({ hang: true });

    const started = Date.now();
    expect(await ask(client)).toMatchObject({ content: 'from secondary', upstream: 'secondary', attempts: '2' });
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1_500);
    // the gateway gave up on the hanging request instead of leaving it open
    await primary.waitFor(() => primary.inFlight === 0);
    expect(primary.requests[0]?.finished).toBe(false);
  });

  it('a streaming upstream that sends headers but no event before the first-byte timeout fails over', async () => {
    const { primary, client } = await pair({ primary: { firstByteTimeoutMs: 150 } });
    primary.setDefault({ stallAfterChunks: 0 });
    const result = await askStream(client);
    expect(result).toMatchObject({ content: 'from secondary', finish: 'stop', upstream: 'secondary', attempts: '2' });
  });

  it('a connection reset fails over', async () => {
    const { primary, client } = await pair();
    primary.setDefault({ reset: true });
    expect(await ask(client)).toMatchObject({ content: 'from secondary', upstream: 'secondary', attempts: '2' });
    expect(calls(primary)).toBe(1);
  });

  it('a connect error (nothing listening) fails over', async () => {
    const port = await e2e.closedPort();
    const { client } = await pair({ primaryTarget: `http://127.0.0.1:${port}/v1` });
    expect(await ask(client)).toMatchObject({ content: 'from secondary', upstream: 'secondary', attempts: '2' });
    // one strike does not eject: the primary is tried first again until it fails 5 times in a row
    for (let i = 2; i <= 5; i++) expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '2' });
    // ejected: the next requests go straight to the secondary
    expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '1' });
  });

  it('an ejected upstream is tried again once its ejection ends', async () => {
    const { primary, client } = await pair({ routing: { cooldownMs: 400, outlier: { consecutive: 1 } } });
    primary.script([{ status: 503 }]);
    expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '2' });
    expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '1' });
    await sleep(450);
    expect(await ask(client)).toMatchObject({ upstream: 'primary', attempts: '1' });
  });
});

describe('e2e: x-ratelimit-remaining-requests: 0', () => {
  it('serves the success, then skips that upstream key until the reset', async () => {
    const { primary, client } = await pair();
    primary.script([{ content: 'last one', headers: { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '400ms' } }]);

    const first = await ask(client);
    expect(first).toMatchObject({ content: 'last one', upstream: 'primary', attempts: '1' });
    expect(first.response.headers.get('x-upstream-ratelimit-remaining')).toBe('0');

    expect(await ask(client)).toMatchObject({ upstream: 'secondary', attempts: '1' });
    expect(calls(primary)).toBe(1);

    await sleep(450);
    expect(await ask(client)).toMatchObject({ upstream: 'primary', attempts: '1' });
  });
});
