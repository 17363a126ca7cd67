/** `X-AnyRouter-Provider` pinning over real HTTP: only that provider, no fallback, 503 at once when it cools. */
import { APIError, BadRequestError } from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, messages, useE2E } from './harness.js';

const e2e = useE2E();

async function setup() {
  const upstreams = await e2e.twoUpstreams({ cooldownMs: 10_000, outlier: { consecutive: 1 } });
  return { ...upstreams, client: upstreams.gw.client() };
}

const pin = (id: string) => ({ headers: { 'X-AnyRouter-Provider': id } });
const fail = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e);

describe('e2e: pinning with X-AnyRouter-Provider', () => {
  it('is served only by the pinned provider, even when it is not the first rank', async () => {
    const { primary, secondary, client } = await setup();
    const { response } = await client.chat.completions.create({ model: MODEL, messages }, pin('secondary')).withResponse();
    expect(response.headers.get('x-anyrouter-upstream')).toBe('secondary');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('1');
    expect(primary.requests).toHaveLength(0);
    expect(secondary.requests).toHaveLength(1);
  });

  it('never falls back: a failing pinned provider is the answer', async () => {
    const { primary, secondary, client } = await setup();
    secondary.setDefault({ status: 500 });
    const error = await fail(client.chat.completions.create({ model: MODEL, messages }, pin('secondary')));
    expect(error).toBeInstanceOf(APIError);
    expect((error as APIError).status).toBe(502);
    expect(secondary.requests).toHaveLength(1);
    expect(primary.requests).toHaveLength(0);
  });

  it('answers 503 at once, without an upstream call, while the pinned provider is ejected', async () => {
    const { primary, secondary, client } = await setup();
    secondary.script([{ status: 503 }]);
    await fail(client.chat.completions.create({ model: MODEL, messages }, pin('secondary')));
    expect(secondary.requests).toHaveLength(1);

    const started = Date.now();
    const error = await fail(client.chat.completions.create({ model: MODEL, messages }, pin('secondary')));
    expect(Date.now() - started).toBeLessThan(200);
    expect(error).toBeInstanceOf(APIError);
    const apiError = error as APIError;
    expect(apiError.status).toBe(503);
    expect(apiError.message).toMatch(/pinned provider 'secondary' is cooling down/);
    expect(Number(apiError.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(apiError.headers?.get('x-anyrouter-attempts')).toBe('0');
    expect(secondary.requests).toHaveLength(1);
    expect(primary.requests).toHaveLength(0);

    // unpinned, the same model is still served by the healthy primary
    const { response } = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(response.headers.get('x-anyrouter-upstream')).toBe('primary');
  });

  it('a pinned provider whose only key is quarantined counts as cooling too', async () => {
    const { secondary, client } = await setup();
    secondary.script([{ status: 429, headers: { 'retry-after': '30' } }]);
    await fail(client.chat.completions.create({ model: MODEL, messages }, pin('secondary')));
    const error = await fail(client.chat.completions.create({ model: MODEL, messages }, pin('secondary')));
    expect((error as APIError).status).toBe(503);
    expect(secondary.requests).toHaveLength(1);
  });

  it('an unknown pinned provider is a 400 with a did-you-mean, and no upstream is called', async () => {
    const { primary, secondary, client } = await setup();
    const error = await fail(client.chat.completions.create({ model: MODEL, messages }, pin('secondry')));
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as APIError).message).toContain("provider 'secondry' does not serve 'test/chat'");
    expect((error as APIError).message).toContain('secondary');
    expect((error as APIError).code).toBe('provider_not_available');
    expect(primary.requests.length + secondary.requests.length).toBe(0);
  });
});
