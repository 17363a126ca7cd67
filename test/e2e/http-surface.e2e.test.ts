/**
 * The HTTP surface over real HTTP: bad input in the OpenAI envelope (never a stack trace), the model catalog
 * under /v1 and /api/v1 (ids with a slash), and /health after failures.
 */
import { describe, expect, it } from 'vitest';
import { ALIAS, MODEL, chatModel, envName, messages, provider, useE2E, type GatewayErrorBody } from './harness.js';

const e2e = useE2E();
const BODY_LIMIT = 4096;

async function setup(routing?: Parameters<typeof e2e.gateway>[0]['routing']) {
  const primary = await e2e.mock();
  const secondary = await e2e.mock();
  const gw = await e2e.gateway({
    providers: { primary: provider('primary', primary, { keys: ['first', 'second'] }), secondary: provider('secondary', secondary) },
    models: [chatModel(['primary', 'secondary']), chatModel(['secondary'], 'vendor/other-model', ['other'])],
    server: { bodyLimitBytes: BODY_LIMIT },
    ...(routing ? { routing } : {}),
  });
  return { primary, secondary, gw };
}

async function expectEnvelope(response: Response, status: number, code: string): Promise<GatewayErrorBody['error']> {
  const text = await response.text();
  expect(response.status, text).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/json');
  // never a stack trace or a source location
  expect(text).not.toMatch(/\n\s+at |\.ts:\d|\.js:\d|node_modules/);
  const body = JSON.parse(text) as GatewayErrorBody;
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error).toEqual({ message: expect.any(String), type: expect.any(String), code, param: null, request_id: expect.stringMatching(/^req_[0-9a-f]{32}$/) });
  expect(response.headers.get('x-anyrouter-request-id')).toBe(body.error.request_id);
  return body.error;
}

describe('e2e: bad input gets the OpenAI error envelope', () => {
  it('invalid JSON is 400', async () => {
    const { gw } = await setup();
    const error = await expectEnvelope(await gw.postChat(undefined, { raw: '{"model": "test/chat", messages: [' }), 400, 'invalid_json');
    expect(error.type).toBe('invalid_request_error');
  });

  it('a JSON body that is not an object is 400', async () => {
    const { gw } = await setup();
    await expectEnvelope(await gw.postChat([1, 2, 3]), 400, 'invalid_request');
  });

  it('missing model is 400, missing or empty messages is 400', async () => {
    const { primary, gw } = await setup();
    await expectEnvelope(await gw.postChat({ messages }), 400, 'missing_model');
    for (const model of [42, ['a'], { id: 'x' }, true]) {
      const error = await expectEnvelope(await gw.postChat({ model, messages }), 400, 'invalid_model');
      expect(error.message).toMatch(/^'model' must be a string .*, not an? (number|array|object|boolean)$/);
    }
    await expectEnvelope(await gw.postChat({ model: MODEL }), 400, 'missing_messages');
    await expectEnvelope(await gw.postChat({ model: MODEL, messages: [] }), 400, 'missing_messages');
    expect(primary.requests).toHaveLength(0);
  });

  it('a body over server.bodyLimitBytes is 413, with or without a content-length', async () => {
    const { primary, gw } = await setup();
    const big = { model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT) }] };
    const error = await expectEnvelope(await gw.postChat(big), 413, 'body_too_large');
    expect(error.message).toContain(String(BODY_LIMIT));

    // chunked upload: the limit is enforced while reading
    const bytes = new TextEncoder().encode(JSON.stringify(big));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let at = 0; at < bytes.length; at += 1024) controller.enqueue(bytes.subarray(at, at + 1024));
        controller.close();
      },
    });
    const response = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunked, duplex: 'half' } as RequestInit);
    await expectEnvelope(response, 413, 'body_too_large');
    expect(primary.requests).toHaveLength(0);

    // just under the limit still goes through
    const fits = { model: MODEL, messages: [{ role: 'user', content: 'x'.repeat(BODY_LIMIT - 200) }] };
    expect((await gw.postChat(fits)).status).toBe(200);
  });

  it('a wrong method is 405 with Allow', async () => {
    const { gw } = await setup();
    const get = await fetch(`${gw.url}/v1/chat/completions`);
    expect(get.headers.get('allow')).toBe('POST');
    await expectEnvelope(get, 405, 'method_not_allowed');
    const del = await fetch(`${gw.url}/api/v1/models`, { method: 'DELETE' });
    expect(del.headers.get('allow')).toBe('GET, HEAD');
    await expectEnvelope(del, 405, 'method_not_allowed');
    await expectEnvelope(await fetch(`${gw.url}/health`, { method: 'POST' }), 405, 'method_not_allowed');
  });

  it('an unknown route is 404', async () => {
    const { gw } = await setup();
    await expectEnvelope(await fetch(`${gw.url}/v1/no-such-endpoint`, { method: 'POST', body: '{}' }), 404, 'route_not_found');
    await expectEnvelope(await fetch(`${gw.url}/nope`), 404, 'route_not_found');
  });

  it('an unknown model is 404 with a did-you-mean', async () => {
    const { primary, gw } = await setup();
    const error = await expectEnvelope(await gw.postChat({ model: 'test/chta', messages }), 404, 'model_not_found');
    expect(error.message).toBe("model 'test/chta' is not in this gateway's catalog (did you mean 'test/chat'?)");
    const far = await expectEnvelope(await gw.postChat({ model: 'completely-unknown-thing', messages }), 404, 'model_not_found');
    expect(far.message).not.toContain('did you mean');
    expect(primary.requests).toHaveLength(0);
  });
});

describe('e2e: the model catalog', () => {
  it('GET /v1/models and /api/v1/models list the catalog in the OpenAI list shape', async () => {
    const { gw } = await setup();
    for (const base of ['/v1', '/api/v1'] as const) {
      const page = await gw.client({ base }).models.list();
      const ids = page.data.map((m) => m.id);
      expect(ids).toEqual([MODEL, 'vendor/other-model']);
      const model = page.data[0] as unknown as Record<string, unknown>;
      expect(model).toMatchObject({
        id: MODEL,
        object: 'model',
        owned_by: 'test',
        aliases: [ALIAS],
        context_length: 128_000,
        capabilities: ['tools'],
        pricing: { prompt: '0.000001', completion: '0.000002' },
        providers: ['primary', 'secondary'],
      });
    }
  });

  it('GET /v1/models/{vendor/model} works with a raw slash, an encoded slash (the SDK) and an alias', async () => {
    const { gw } = await setup();
    const raw = await fetch(`${gw.url}/v1/models/vendor/other-model`);
    expect(raw.status).toBe(200);
    expect(await raw.json()).toMatchObject({ id: 'vendor/other-model', object: 'model' });

    const viaSdk = await gw.client().models.retrieve('vendor/other-model');
    expect(viaSdk.id).toBe('vendor/other-model');
    const viaApi = await gw.client({ base: '/api/v1' }).models.retrieve(MODEL);
    expect(viaApi.id).toBe(MODEL);

    const alias = await fetch(`${gw.url}/v1/models/other`);
    expect(((await alias.json()) as { id: string }).id).toBe('vendor/other-model');

    const missing = await expectEnvelope(await fetch(`${gw.url}/v1/models/vendor/other-modle`), 404, 'model_not_found');
    expect(missing.message).toContain("did you mean 'vendor/other-model'?");
  });
});

interface HealthBody {
  status: string;
  providers: Record<string, { keys: Record<string, { state: string; until?: string; lastError?: string }> }>;
  upstreams: Record<string, { state: string; until?: string; lastError?: string }>;
  outlier: Record<string, number>;
}

describe('e2e: /health', () => {
  it('counts the models some upstream can serve with a key in the environment', async () => {
    const upstream = await e2e.mock();
    const providers = { keyed: provider('keyed', upstream), keyless: provider('keyless', upstream) };
    const models = [chatModel(['keyed', 'keyless']), chatModel(['keyless'], 'vendor/keyless-only', [])];
    const partly = await e2e.gateway({ providers, models }, { [envName('keyless', 'main')]: '' });
    expect(await (await fetch(`${partly.url}/health`)).json()).toMatchObject({ status: 'ok', models: 2, servableModels: 1 });
    const none = await e2e.gateway({ providers, models }, { [envName('keyed', 'main')]: '', [envName('keyless', 'main')]: '' });
    expect(await (await fetch(`${none.url}/health`)).json()).toMatchObject({ models: 2, servableModels: 0 });
  });

  it('shows an ejected upstream, its outlier counters and a quarantined key after failures', async () => {
    const { primary, gw } = await setup({ outlier: { consecutive: 1 } });
    const before = (await (await fetch(`${gw.url}/health`)).json()) as HealthBody;
    expect(before.status).toBe('ok');
    // every routable upstream is listed, all healthy, none with an error yet
    expect(before.upstreams).toEqual({ 'primary/primary-model': { state: 'healthy' }, 'secondary/secondary-model': { state: 'healthy' } });
    expect(before.providers.primary?.keys.first?.state).toBe('healthy');

    // key 'first' is rejected (quarantine), key 'second' meets a 500 (the upstream cools down)
    primary.setByKey({ [gw.env.E2E_PRIMARY_FIRST!]: { status: 401 }, [gw.env.E2E_PRIMARY_SECOND!]: { status: 500 } });
    const served = await gw.postChat({ model: MODEL, messages });
    expect(served.status).toBe(200);
    expect(served.headers.get('x-anyrouter-upstream')).toBe('secondary');
    expect(served.headers.get('x-anyrouter-attempts')).toBe('3');

    const started = Date.now();
    const health = (await (await fetch(`${gw.url}/health`)).json()) as HealthBody;
    const first = health.providers.primary?.keys.first;
    expect(first).toMatchObject({ state: 'quarantined', lastError: 'http_401' });
    expect(Date.parse(first!.until!)).toBeGreaterThan(started);
    expect(health.providers.primary?.keys.second?.state).toBe('healthy');
    const upstream = health.upstreams['primary/primary-model'];
    expect(upstream).toMatchObject({ state: 'ejected', lastError: 'http_500', consecutiveFailures: 0, ejections: 1 });
    expect(Date.parse(upstream!.until!)).toBeGreaterThan(started);
    expect(health.upstreams['secondary/secondary-model']).toEqual({ state: 'healthy', consecutiveFailures: 0, window: { attempts: 1, failures: 0 }, ejections: 0 });
    expect(health.outlier).toMatchObject({ consecutive: 1, maxEjectionPercent: 66, failureRate: 0.5, minRequests: 20 });
  });
});
