/** Gateway keys over real HTTP: 401 without a valid key, 403 outside the key's model globs, 429 over its rpm. */
import { createHash } from 'node:crypto';
import { APIError, AuthenticationError, PermissionDeniedError, RateLimitError } from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayErrorBody } from './harness.js';

const e2e = useE2E();

const TEAM_KEY = 'sk-ar-e2e-team-0000000000000000000000000000';
const LIMITED_KEY = 'sk-ar-e2e-limited-00000000000000000000000000';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function setup(logging?: { enabled: boolean }) {
  const upstream = await e2e.mock();
  const gw = await e2e.gateway({
    ...(logging ? { logging } : {}),
    providers: { primary: provider('primary', upstream) },
    models: [chatModel(['primary']), chatModel(['primary'], 'other/model', ['other'])],
    auth: {
      gatewayKeys: [
        { name: 'team', sha256: sha256(TEAM_KEY), models: ['test/*'] },
        { name: 'limited', sha256: sha256(LIMITED_KEY), models: ['*'], rpm: 2 },
      ],
    },
  });
  return { upstream, gw };
}

const fail = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

async function expectEnvelope(response: Response, status: number, code: string): Promise<GatewayErrorBody> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  const body = (await response.json()) as GatewayErrorBody;
  expect(body.error).toMatchObject({ code, message: expect.any(String), type: expect.any(String), request_id: response.headers.get('x-anyrouter-request-id') });
  expect(body.error.request_id).toMatch(/^req_/);
  return body;
}

describe('e2e: gateway keys', () => {
  it('a missing key is 401 in the OpenAI envelope, on chat and on the model list', async () => {
    const { upstream, gw } = await setup();
    const body = await expectEnvelope(await gw.postChat({ model: MODEL, messages }), 401, 'missing_api_key');
    expect(body.error.type).toBe('authentication_error');
    await expectEnvelope(await fetch(`${gw.url}/v1/models`), 401, 'missing_api_key');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a wrong key is 401 (AuthenticationError in the SDK)', async () => {
    const { upstream, gw } = await setup();
    const error = await fail(gw.client({ apiKey: 'sk-ar-wrong' }).chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as APIError).code).toBe('invalid_api_key');
    await expectEnvelope(await gw.postChat({ model: MODEL, messages }, { headers: { authorization: 'Bearer sk-ar-wrong' } }), 401, 'invalid_api_key');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a valid key serves (Bearer or x-api-key)', async () => {
    const { upstream, gw } = await setup();
    const { response } = await gw.client({ apiKey: TEAM_KEY }).chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(response.status).toBe(200);
    expect(response.headers.get('x-ratelimit-limit')).toBeNull(); // no rpm on this key
    const viaHeader = await gw.postChat({ model: 'chat', messages }, { headers: { 'x-api-key': LIMITED_KEY } });
    expect(viaHeader.status).toBe(200);
    // the gateway key is never forwarded upstream
    expect(upstream.requests.map((r) => r.apiKey)).toEqual([gw.env.E2E_PRIMARY_MAIN, gw.env.E2E_PRIMARY_MAIN]);
  });

  it('a model outside the key globs is 403', async () => {
    const { upstream, gw } = await setup();
    const client = gw.client({ apiKey: TEAM_KEY });
    const error = await fail(client.chat.completions.create({ model: 'other/model', messages }));
    expect(error).toBeInstanceOf(PermissionDeniedError);
    expect((error as APIError).message).toContain("gateway key 'team' may not use model 'other/model'");
    // an alias of a disallowed model is disallowed too
    expect(await fail(client.chat.completions.create({ model: 'other', messages }))).toBeInstanceOf(PermissionDeniedError);
    expect(upstream.requests).toHaveLength(0);
  });

  it('over the key rpm is 429 with Retry-After and X-RateLimit-* headers', async () => {
    const { upstream, gw } = await setup();
    const client = gw.client({ apiKey: LIMITED_KEY });

    const one = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(one.response.headers.get('x-ratelimit-limit')).toBe('2');
    expect(one.response.headers.get('x-ratelimit-remaining')).toBe('1');
    const two = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(two.response.headers.get('x-ratelimit-remaining')).toBe('0');
    const reset = Number(two.response.headers.get('x-ratelimit-reset'));
    expect(reset).toBeGreaterThan(0);
    expect(reset).toBeLessThanOrEqual(60);

    const error = await fail(client.chat.completions.create({ model: MODEL, messages }));
    expect(error).toBeInstanceOf(RateLimitError);
    const headers = (error as APIError).headers!;
    expect(Number(headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(headers.get('x-ratelimit-limit')).toBe('2');
    expect(headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(1);
    expect((error as APIError).code).toBe('rate_limit_exceeded');
    expect(upstream.requests).toHaveLength(2);

    // the raw answer is the OpenAI envelope; the other key is not affected
    await expectEnvelope(await gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${LIMITED_KEY}` } }), 429, 'rate_limit_exceeded');
    expect((await gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${TEAM_KEY}` } })).status).toBe(200);
  });

  it('refused requests are in the request log: no key and a wrong key (401), and a key over its rpm (429, by name)', async () => {
    const { gw } = await setup({ enabled: true });
    await gw.postChat({ model: MODEL, messages });
    await gw.postChat({ model: MODEL, messages }, { headers: { authorization: 'Bearer sk-ar-wrong', 'x-title': 'Prober' } });
    for (let i = 0; i < 3; i++) await gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${LIMITED_KEY}` } });
    const log = gw.gateway.state.observability!.log!;
    let refused: Awaited<ReturnType<typeof log.reader.listRequests>>['requests'] = [];
    for (let tries = 0; tries < 100 && refused.length < 3; tries++) {
      await new Promise((r) => setTimeout(r, 20));
      refused = (await log.reader.listRequests({ status: 'failed' })).requests;
    }
    expect(refused.map((r) => [r.status, r.errorClass, r.gatewayKey, r.app.title]).reverse()).toEqual([
      [401, 'missing_api_key', undefined, undefined],
      [401, 'invalid_api_key', undefined, 'Prober'],
      [429, 'rate_limit_exceeded', 'limited', undefined],
    ]);
  });
});

describe('e2e: a gateway key with a tpm limit', () => {
  const TOKENS_KEY = 'sk-ar-e2e-tokens-0000000000000000000000000000';
  it('counts every answer\'s prompt and completion tokens, and answers 429 once the minute\'s tokens reach the limit', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', upstream) },
      models: [chatModel(['primary'])],
      auth: { gatewayKeys: [{ name: 'tokens', sha256: sha256(TOKENS_KEY), tpm: 100 }] },
    });
    const client = gw.client({ apiKey: TOKENS_KEY });
    let used = 0;
    let refused: unknown;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      try {
        const answer = await client.chat.completions.create({ model: MODEL, messages });
        used += (answer.usage?.prompt_tokens ?? 0) + (answer.usage?.completion_tokens ?? 0);
      } catch (error) {
        refused = error;
      }
    }
    // the request that was refused came only once the answered tokens had reached the limit
    expect(refused).toBeInstanceOf(RateLimitError);
    expect(used).toBeGreaterThanOrEqual(100);
    expect((refused as APIError).message).toContain('100 tokens per minute');
    const calls = upstream.requests.length;
    await fail(client.chat.completions.create({ model: MODEL, messages }));
    expect(upstream.requests.length).toBe(calls);
  });
});
