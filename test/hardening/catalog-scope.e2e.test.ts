/**
 * A gateway key limited by `models` globs sees only the models it may use in `GET /v1/models` (and
 * `/api/v1/models`), and `GET /v1/models/{id}` of a hidden id answers byte for byte what a gateway
 * without that model answers (apart from the request id).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { GatewayAuth, globToRegExp } from '../../src/runtime/http/gateway-auth.js';
import { ModelCatalog } from '../../src/runtime/model-catalog.js';
import { chatModel, provider, useE2E } from '../e2e/harness.js';

const e2e = useE2E();

const ACME_KEY = 'sk-ar-e2e-acme-000000000000000000000000000000';
const ALL_KEY = 'sk-ar-e2e-everything-0000000000000000000000000';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

const MODELS: ModelInput[] = [
  chatModel(['primary'], 'acme/one', ['one']),
  chatModel(['primary'], 'acme/two', []),
  // allowed through its alias only
  chatModel(['primary'], 'partner/three', ['acme-three']),
  chatModel(['primary'], 'other/secret', ['secret', 'secret-alias']),
  chatModel(['primary'], 'other/secrets-2', []),
];
const ACME_GLOBS = ['acme/*', 'acme-*'];

async function gatewayWith(models: ModelInput[]) {
  const upstream = await e2e.mock();
  return e2e.gateway({
    providers: { primary: provider('primary', upstream) },
    models,
    auth: {
      gatewayKeys: [
        { name: 'acme', sha256: sha256(ACME_KEY), models: ACME_GLOBS, rpm: 1000 },
        { name: 'all', sha256: sha256(ALL_KEY) },
      ],
    },
  });
}

const get = (url: string, key: string) => fetch(url, { headers: { authorization: `Bearer ${key}` } });

/** A 404 as the client sees it, with its request id taken out. */
async function withoutRequestId(response: Response): Promise<string> {
  const id = response.headers.get('x-anyrouter-request-id') ?? 'none';
  const headers = [...response.headers.entries()].filter(([name]) => !['date', 'x-anyrouter-request-id', 'x-ratelimit-remaining', 'x-ratelimit-reset'].includes(name));
  return `${response.status}\n${JSON.stringify(headers)}\n${(await response.text()).replaceAll(id, 'REQUEST_ID')}`;
}

describe('e2e: the catalog of a gateway key limited to some models', () => {
  it('lists exactly the models its globs allow, the same entries the full catalog has', async () => {
    const gw = await gatewayWith(MODELS);
    const full = (await (await get(`${gw.url}/v1/models`, ALL_KEY)).json()) as { object: string; data: Array<{ id: string; aliases: string[] }> };
    expect(full.data.map((m) => m.id).sort()).toEqual(MODELS.map((m) => m.id).sort());
    const globs = ACME_GLOBS.map(globToRegExp);
    const allowed = (name: string) => globs.some((g) => g.test(name));
    const expected = { object: 'list', data: full.data.filter((m) => allowed(m.id) || m.aliases.some(allowed)) };
    expect(expected.data.map((m) => m.id).sort()).toEqual(['acme/one', 'acme/two', 'partner/three']);
    for (const base of ['/v1', '/api/v1']) {
      for (let i = 0; i < 2; i++) {
        const scoped = await get(`${gw.url}${base}/models`, ACME_KEY);
        expect(scoped.status).toBe(200);
        expect(await scoped.json()).toEqual(expected);
      }
      for (const id of ['acme/one', 'one', 'partner/three', 'acme-three']) {
        const one = await get(`${gw.url}${base}/models/${id}`, ACME_KEY);
        expect(one.status, id).toBe(200);
        expect(await one.text()).toBe(await (await get(`${gw.url}${base}/models/${id}`, ALL_KEY)).text());
      }
    }
  });

  it('answers a hidden id, raw, encoded or by alias, exactly as a gateway that does not have it', async () => {
    const gw = await gatewayWith(MODELS);
    const without = await gatewayWith(MODELS.filter((m) => !m.id.startsWith('other/')));
    for (const base of ['/v1', '/api/v1']) {
      for (const id of ['other/secret', 'other%2Fsecret', 'OTHER/SECRET', 'secret', 'secret-alias', 'other/secrets-2', 'other/secre', 'secrets']) {
        const hidden = await withoutRequestId(await get(`${gw.url}${base}/models/${id}`, ACME_KEY));
        const missing = await withoutRequestId(await get(`${without.url}${base}/models/${id}`, ACME_KEY));
        expect(hidden, id).toBe(missing);
        expect(hidden).toMatch(/^404\n/);
        expect(hidden).not.toMatch(/did you mean 'other|did you mean 'secret/);
      }
      // the full key still reads them
      expect((await get(`${gw.url}${base}/models/other/secret`, ALL_KEY)).status).toBe(200);
    }
  });
});

describe('e2e: a limited key mistyping a model on the model endpoints', () => {
  const post = (url: string, key: string, body: unknown) =>
    fetch(url, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('is offered only names it may use, on every POST route, while the full key is offered the hidden ones', async () => {
    const gw = await gatewayWith(MODELS);
    const routes: Array<[string, (model: string) => unknown]> = [
      ['/v1/chat/completions', (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] })],
      ['/v1/messages', (model) => ({ model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] })],
      ['/v1/responses', (model) => ({ model, input: 'hi' })],
      ['/v1/messages/count_tokens', (model) => ({ model, messages: [{ role: 'user', content: 'hi' }] })],
      ['/v1/embeddings', (model) => ({ model, input: 'hi' })],
    ];
    for (const [route, body] of routes) {
      const hidden = await post(gw.url + route, ACME_KEY, body('other/secre'));
      expect(hidden.status, route).toBe(404);
      expect(await hidden.text(), route).not.toMatch(/other\/secret|secret-alias/);
      const allowed = await post(gw.url + route, ACME_KEY, body('acme/onee'));
      expect(await allowed.text(), route).toContain("did you mean 'acme/one'");
      const full = await post(gw.url + route, ALL_KEY, body('other/secre'));
      expect(await full.text(), route).toContain("did you mean 'other/secret");
    }
  });
});

describe('the scoped catalog is built once per gateway key and bundle', () => {
  it('hands every request of a key (rate-limited copies of its identity included) the same view, and unscoped keys the full one', () => {
    const auth = new GatewayAuth([
      { name: 'acme', sha256: sha256(ACME_KEY), models: ACME_GLOBS, rpm: 10 },
      { name: 'all', sha256: sha256(ALL_KEY), models: ['*'] },
    ] as never);
    const models = MODELS.map((m) => ({ id: m.id, aliases: m.aliases ?? [], context: 1, capabilities: [], pricing: {}, candidates: [] }));
    const catalog = new ModelCatalog(models as never, {});
    const first = auth.authenticate(ACME_KEY, 0);
    const second = auth.authenticate(ACME_KEY, 1);
    const everything = auth.authenticate(ALL_KEY, 0);
    if ('status' in first || 'status' in second || 'status' in everything) throw new Error('refused');
    expect(first).not.toBe(second);
    expect(catalog.viewFor(first)).toBe(catalog.viewFor(second));
    expect(catalog.viewFor(first).names).toEqual(['acme/one', 'one', 'acme/two', 'partner/three', 'acme-three']);
    expect(catalog.viewFor(everything)).toBe(catalog.all);
  });
});
