/**
 * The Responses API's other routes, with the official `openai` SDK as client over real HTTP to the mock
 * OpenAI upstream (which keeps the responses it made, as api.openai.com does):
 * - `responses.retrieve`, `.inputItems.list`, `.cancel`, `.delete` on the pinned, or the only, provider with
 *   `responses: true`; its keys in order (a 429 moves to the next), an unknown id's 404 passed through,
 *   ids checked, pins checked, 405 with Allow, HEAD, gateway auth;
 * - `responses.inputTokens.count` and `responses.compact` through the model pipeline to native upstreams
 *   only (failover across keys), with the gateway's estimate (input_tokens) or a 400 (compact) for a model
 *   that has none;
 * - the client headers an `openai` upstream gets on native paths (Responses and Chat Completions).
 */
import { createHash } from 'node:crypto';
import OpenAI, { BadRequestError, NotFoundError } from 'openai';
import { describe, expect, it } from 'vitest';
import { estimateInputTokens } from '../../src/runtime/http/token-estimate.js';
import { MODEL, chatModel, messages, provider, useE2E, waitForRecord, type GatewayFixture, type GatewayErrorBody } from './harness.js';

const e2e = useE2E();

/** A gateway whose model is served by `up`, an `openai` provider with `responses: true` and two keys. */
async function storedGateway(logging?: { enabled: boolean; bodies?: boolean }) {
  const upstream = await e2e.mock();
  const gw = await e2e.gateway({ providers: { up: provider('up', upstream, { responses: true, keys: ['main', 'spare'] }) }, models: [chatModel(['up'])], ...(logging ? { logging } : {}) });
  return { upstream, gw, client: gw.client() };
}

function send(gw: GatewayFixture, method: string, path: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(gw.url + path, { method, headers });
}

describe('e2e: stored responses (GET/DELETE /v1/responses/{id}, input_items, cancel)', () => {
  it('retrieve, inputItems.list, cancel and delete reach the only Responses provider; a deleted id is its 404', async () => {
    const { upstream, gw, client } = await storedGateway();
    const created = await client.responses.create({ model: MODEL, input: 'Remember the number 42.' });
    const retrieved = await client.responses.retrieve(created.id, { include: ['message.output_text.logprobs'] });
    expect(retrieved.id).toBe(created.id);
    expect(retrieved.output_text).toBe(created.output_text);
    // the query string goes on as it was sent
    expect(upstream.requests[1]!.query).toEqual({ 'include[]': 'message.output_text.logprobs' });

    const items = [];
    for await (const item of client.responses.inputItems.list(created.id)) items.push(item);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Remember the number 42.' }] });

    const background = await client.responses.create({ model: MODEL, input: 'Take your time.', background: true });
    const cancelled = await client.responses.cancel(background.id);
    expect(cancelled.status).toBe('cancelled');

    await client.responses.delete(created.id);
    const gone = await client.responses.retrieve(created.id).catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(NotFoundError);
    expect((gone as NotFoundError).message).toContain(`Response with id '${created.id}' not found.`);
    expect((gone as NotFoundError).headers.get('x-anyrouter-upstream')).toBe('up');

    const routes = upstream.requests.filter((r) => r.path !== '/v1/responses').map((r) => `${r.method} ${r.path} ${r.apiKey}`);
    const key = e2e.secretOf('up', 'main');
    expect(routes).toEqual([
      `GET /v1/responses/${created.id} ${key}`,
      `GET /v1/responses/${created.id}/input_items ${key}`,
      `POST /v1/responses/${background.id}/cancel ${key}`,
      `DELETE /v1/responses/${created.id} ${key}`,
      `GET /v1/responses/${created.id} ${key}`,
    ]);
  });

  it('a 429 on the first key moves to the second; an unknown id answers the upstream 404 after one key', async () => {
    const { upstream, gw, client } = await storedGateway();
    const created = await client.responses.create({ model: MODEL, input: 'Hello' });
    upstream.script([{ status: 429, headers: { 'retry-after': '30' } }]);
    const retrieved = await client.responses.retrieve(created.id);
    expect(retrieved.id).toBe(created.id);
    expect(upstream.requests.slice(1).map((r) => r.apiKey)).toEqual([e2e.secretOf('up', 'main'), e2e.secretOf('up', 'spare')]);

    // the first key is quarantined now: the unknown id goes to the spare key, and its 404 comes back as it is
    const before = upstream.requests.length;
    const unknown = await send(gw, 'GET', '/v1/responses/resp_unknown');
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as GatewayErrorBody).error.message).toBe("Response with id 'resp_unknown' not found.");
    expect(upstream.requests.slice(before).map((r) => r.apiKey)).toEqual([e2e.secretOf('up', 'spare')]);

    // the last key refused too: its answer (OpenAI's envelope) is the client's, with nothing of the key in it
    upstream.script([{ status: 401 }]);
    const refused = await send(gw, 'GET', `/v1/responses/${created.id}`);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as GatewayErrorBody).error.type).toBe('invalid_request_error');
    const none = await send(gw, 'GET', `/v1/responses/${created.id}`);
    expect(none.status).toBe(503);
    expect(((await none.json()) as GatewayErrorBody).error.code).toBe('no_key_available');
  });

  it('a retrieve that failed over from a 429 key is in the request log with both attempts, and counted in /metrics; no key, no body', async () => {
    const { upstream, gw, client } = await storedGateway({ enabled: true });
    const created = await client.responses.create({ model: MODEL, input: 'Hello' });
    upstream.script([{ status: 429, headers: { 'retry-after': '30' } }]);
    const { data, response } = await client.responses.retrieve(created.id).withResponse();
    expect(data.id).toBe(created.id);
    const id = response.headers.get('x-anyrouter-request-id')!;

    const record = await waitForRecord(gw, id);
    expect(record).toMatchObject({ id, gatewayKey: 'anonymous', protocol: 'openai-responses', requestedModel: '', status: 200, stream: false });
    expect(record).not.toHaveProperty('costUsd');
    expect(record).not.toHaveProperty('errorClass');
    expect(record.attempts).toEqual([
      expect.objectContaining({ upstream: 'up', provider: 'up', keyName: 'main', outcome: 'key-rate-limited', status: 429, errorClass: 'http_429', nextBecause: expect.stringContaining('rate-limited') }),
      expect.objectContaining({ upstream: 'up', provider: 'up', keyName: 'spare', outcome: 'success', status: 200 }),
    ]);
    const listed = (await (await fetch(`${gw.url}/api/requests`)).json()) as { data: Array<{ id: string }> };
    expect(listed.data.find((r) => r.id === id)).toMatchObject({ protocol: 'openai-responses', status: 200, attemptCount: 2 });
    // nothing secret, and no body with logging.bodies off
    const text = JSON.stringify(record);
    for (const key of ['main', 'spare']) expect(text).not.toContain(e2e.secretOf('up', key));
    expect(record).not.toHaveProperty('bodies');
    expect(text).not.toContain(created.output_text);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/anyrouter_requests_total\{[^}]*model=""[^}]*status="200"[^}]*protocol="openai-responses"[^}]*\} 1$/m);
  });

  it('with logging.bodies on, the record of a stored-response call keeps the answer the client got; a refused one names the upstream status', async () => {
    const { upstream, gw, client } = await storedGateway({ enabled: true, bodies: true });
    const created = await client.responses.create({ model: MODEL, input: 'Hello' });
    const { response } = await client.responses.retrieve(created.id).withResponse();
    const record = await waitForRecord(gw, response.headers.get('x-anyrouter-request-id')!);
    expect((record.bodies as { response: string }).response).toContain(created.id);

    const unknown = await send(gw, 'GET', '/v1/responses/resp_unknown');
    expect(unknown.status).toBe(404);
    const missing = await waitForRecord(gw, unknown.headers.get('x-anyrouter-request-id')!);
    expect(missing).toMatchObject({ status: 404, errorClass: 'http_404', attempts: [expect.objectContaining({ keyName: 'main', outcome: 'request-error', status: 404 })] });
    expect(upstream.requests).toHaveLength(3);
  });

  it('HEAD answers as GET without a body; other methods are 405 with Allow; ids outside [A-Za-z0-9_-] are 400', async () => {
    const { upstream, gw, client } = await storedGateway();
    const created = await client.responses.create({ model: MODEL, input: 'Hello' });
    const head = await send(gw, 'HEAD', `/v1/responses/${created.id}`);
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');

    for (const [method, path, allow] of [
      ['PUT', `/v1/responses/${created.id}`, 'GET, HEAD, DELETE'],
      ['POST', `/api/v1/responses/${created.id}/input_items`, 'GET, HEAD'],
      ['GET', `/v1/responses/${created.id}/cancel`, 'POST'],
      ['GET', '/v1/responses/input_tokens', 'POST'],
      ['GET', '/v1/responses/compact', 'POST'],
    ] as const) {
      const answer = await send(gw, method, path);
      expect([method, path, answer.status, answer.headers.get('allow')]).toEqual([method, path, 405, allow]);
    }

    const requests = upstream.requests.length;
    for (const id of ['resp%20x', 'resp.x', 'resp%3Bx', 'r%C3%A9sum%C3%A9']) {
      const answer = await send(gw, 'GET', `/v1/responses/${id}`);
      expect([id, answer.status]).toEqual([id, 400]);
      const body = (await answer.json()) as GatewayErrorBody;
      expect(body.error.code).toBe('invalid_response_id');
    }
    expect(upstream.requests.length).toBe(requests);
  });

  it('pins: several Responses providers need X-AnyRouter-Provider; a pin must name one of them', async () => {
    const a = await e2e.mock();
    const b = await e2e.mock();
    const plain = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { a: provider('a', a, { responses: true }), b: provider('b', b, { responses: true }), plain: provider('plain', plain) },
      models: [chatModel(['a', 'b', 'plain'])],
    });
    const created = await gw.client().responses.create({ model: MODEL, input: 'Hello' }, { headers: { 'X-AnyRouter-Provider': 'b' } });
    expect(b.requests).toHaveLength(1);

    const unpinned = await gw.client().responses.retrieve(created.id).catch((error: unknown) => error);
    expect(unpinned).toBeInstanceOf(BadRequestError);
    expect((unpinned as BadRequestError).code).toBe('provider_required');
    expect((unpinned as BadRequestError).message).toContain('several providers serve Responses natively (a, b)');

    const pinned = await gw.client().responses.retrieve(created.id, {}, { headers: { 'X-AnyRouter-Provider': 'b' } });
    expect(pinned.id).toBe(created.id);
    const elsewhere = await gw.client().responses.retrieve(created.id, {}, { headers: { 'X-AnyRouter-Provider': 'a' } }).catch((error: unknown) => error);
    expect(elsewhere).toBeInstanceOf(NotFoundError);

    for (const [pin, code] of [['plain', 'provider_not_available'], ['nope', 'provider_not_available']] as const) {
      const answer = await send(gw, 'GET', `/v1/responses/${created.id}`, { 'x-anyrouter-provider': pin });
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as GatewayErrorBody).error.code).toBe(code);
    }
    expect(plain.requests).toHaveLength(0);
  });

  it('a gateway without a Responses provider says so; gateway auth applies', async () => {
    const upstream = await e2e.mock();
    const key = 'sk-ar-e2e-responses-000000000000000000000000';
    const gw = await e2e.gateway({
      providers: { plain: provider('plain', upstream) },
      models: [chatModel(['plain'])],
      auth: { gatewayKeys: [{ name: 'team', sha256: createHash('sha256').update(key).digest('hex') }] },
    });
    const anonymous = await send(gw, 'GET', '/v1/responses/resp_1');
    expect(anonymous.status).toBe(401);
    const none = await gw.client({ apiKey: key }).responses.retrieve('resp_1').catch((error: unknown) => error);
    expect(none).toBeInstanceOf(BadRequestError);
    expect((none as BadRequestError).code).toBe('no_responses_provider');
    expect(upstream.requests).toHaveLength(0);
  });

  it('a gateway key limited by models globs reaches only the stored responses of a provider serving one of its models', async () => {
    const upstream = await e2e.mock();
    const other = await e2e.mock();
    const [team, limited] = ['sk-ar-e2e-responses-team-00000000000000000000', 'sk-ar-e2e-responses-lim-000000000000000000000'];
    const sha = (value: string) => createHash('sha256').update(value).digest('hex');
    const gw = await e2e.gateway({
      providers: { up: provider('up', upstream, { responses: true }), other: provider('other', other) },
      models: [chatModel(['up']), chatModel(['other'], 'test/other', [])],
      auth: { gatewayKeys: [{ name: 'team', sha256: sha(team), models: [MODEL] }, { name: 'limited', sha256: sha(limited), models: ['test/other'] }] },
    });
    const created = await gw.client({ apiKey: team }).responses.create({ model: MODEL, input: 'Hello' });
    expect((await gw.client({ apiKey: team }).responses.retrieve(created.id)).id).toBe(created.id);
    const refused = await send(gw, 'GET', `/v1/responses/${created.id}`, { authorization: `Bearer ${limited}` });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as GatewayErrorBody).error.code).toBe('provider_not_allowed');
    expect(upstream.requests).toHaveLength(2);
  });
});

describe('e2e: POST /v1/responses/input_tokens and /v1/responses/compact', () => {
  const input: OpenAI.Responses.ResponseInput = [{ role: 'user', content: [{ type: 'input_text', text: 'Count these words, please.' }] }];

  it('input_tokens is relayed to the Responses upstream (a 429 moves to the next key); compact too', async () => {
    const { upstream, client } = await storedGateway();
    upstream.script([{ status: 429, headers: { 'retry-after': '30' } }]);
    const counted = await client.responses.inputTokens.count({ model: MODEL, input, instructions: 'Be brief.' }).withResponse();
    expect(counted.data.object).toBe('response.input_tokens');
    expect(counted.data.input_tokens).toBeGreaterThan(0);
    expect(counted.response.headers.get('x-anyrouter-token-count')).toBeNull();
    expect(upstream.requests.map((r) => [r.path, r.apiKey, (r.body as { model: string }).model])).toEqual([
      ['/v1/responses/input_tokens', e2e.secretOf('up', 'main'), 'up-model'],
      ['/v1/responses/input_tokens', e2e.secretOf('up', 'spare'), 'up-model'],
    ]);

    const compacted = await client.responses.compact({ model: MODEL, input });
    expect(compacted.object).toBe('response.compaction');
    expect(compacted.output.at(-1)?.type).toBe('compaction');
    expect(upstream.requests.at(-1)!.path).toBe('/v1/responses/compact');
  });

  it('a model without a Responses upstream: input_tokens is the gateway estimate, compact a 400, no upstream call', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({ providers: { plain: provider('plain', upstream) }, models: [chatModel(['plain'])] });
    const client = gw.client();
    const counted = await client.responses.inputTokens.count({ model: MODEL, input, instructions: 'Be brief.' }).withResponse();
    expect(counted.response.headers.get('x-anyrouter-token-count')).toBe('estimate');
    expect(counted.data).toEqual({ object: 'response.input_tokens', input_tokens: estimateInputTokens({ input, instructions: 'Be brief.' }) });

    const refused = await client.responses.compact({ model: MODEL, input }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(BadRequestError);
    expect((refused as BadRequestError).code).toBe('responses_not_native');
    expect((refused as BadRequestError).message).toContain(`model '${MODEL}' has no upstream that serves Responses natively`);
    expect(upstream.requests).toHaveLength(0);
  });

  it('a model with both kinds of upstream sends input_tokens only to the native one', async () => {
    const plain = await e2e.mock();
    const native = await e2e.mock();
    const gw = await e2e.gateway({ providers: { plain: provider('plain', plain), up: provider('up', native, { responses: true }) }, models: [chatModel(['plain', 'up'])] });
    const counted = await gw.client().responses.inputTokens.count({ model: MODEL, input });
    expect(counted.object).toBe('response.input_tokens');
    expect(plain.requests).toHaveLength(0);
    expect(native.requests.map((r) => r.path)).toEqual(['/v1/responses/input_tokens']);
  });
});

describe('e2e: client headers on native OpenAI paths', () => {
  const codexHeaders = {
    session_id: 'sess-123',
    originator: 'codex_cli_rs',
    version: '0.50.0',
    'OpenAI-Beta': 'responses=experimental',
    'x-client-request-id': 'creq-1',
    cookie: 'session=secret-cookie',
    'x-codex-turn-metadata': '{"turn":1}',
    'x-anyrouter-app': 'e2e',
  };
  const forwarded = { session_id: 'sess-123', originator: 'codex_cli_rs', version: '0.50.0', 'openai-beta': 'responses=experimental', 'x-client-request-id': 'creq-1' };

  it('Responses and Chat Completions upstreams get the allow-listed headers, never the cookie, the gateway key or x-anyrouter-*', async () => {
    const { upstream, gw } = await storedGateway();
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'sk-gateway-side', maxRetries: 0, timeout: 5_000, defaultHeaders: codexHeaders });
    const created = await client.responses.create({ model: MODEL, input: 'Hello' });
    await client.chat.completions.create({ model: MODEL, messages });
    await client.responses.retrieve(created.id);
    await client.responses.inputTokens.count({ model: MODEL, input: 'Hello' });
    expect(upstream.requests.map((r) => r.path)).toEqual(['/v1/responses', '/v1/chat/completions', `/v1/responses/${created.id}`, '/v1/responses/input_tokens']);
    for (const request of upstream.requests) {
      expect(request.headers).toMatchObject(forwarded);
      expect(request.headers.authorization).toBe(`Bearer ${e2e.secretOf('up', 'main')}`);
      for (const name of ['cookie', 'x-codex-turn-metadata', 'x-anyrouter-app']) expect([request.path, name, request.headers[name]]).toEqual([request.path, name, undefined]);
    }
  });
});
