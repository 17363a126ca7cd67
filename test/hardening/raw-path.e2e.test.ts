/**
 * Encoded path tricks on every route prefix and method: a dot segment (`%2e%2e`, `%2E%2E`, `%2e.`, `.%2e`,
 * literal `..` and `.`), an encoded slash (`%2f`, `%2F`) or a backslash (`%5c`, `%5C`, `\`), alone or mixed.
 * Each is refused with 400 before routing (a GET of a model id with an encoded slash, the SDK's form, is a
 * catalog lookup: 404): no upstream is called and no admin data is served.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, provider, useE2E } from '../e2e/harness.js';

const e2e = useE2E();

/** A request with the target sent exactly as given (fetch and URL would resolve the dots first). */
function rawRequest(base: string, method: string, target: string, body?: string): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, method, path: target, headers: body === undefined ? {} : { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const PREFIXES = ['/v1', '/api/v1', '/api', '', '/health', '/metrics', '/v1/models', '/v1/messages', '/zzz'];
const DOTS = ['%2e%2e', '%2E%2E', '%2e.', '.%2e', '%2E.', '.%2E', '%2e', '%2E', '..', '.'];
const SEPARATORS = ['%2f', '%2F', '%5c', '%5C', '\\'];
const TARGETS = ['api/requests', 'api/usage', 'v1/chat/completions', 'v1/messages', 'v1/models', 'health', 'metrics'];

/** Every trick path: dot segments between slashes, dots between encoded separators, and mixes. */
function trickPaths(): string[] {
  const paths = new Set<string>();
  for (const prefix of PREFIXES) {
    for (const target of TARGETS) {
      for (const dot of DOTS) paths.add(`${prefix}/${dot}/${target}`);
      for (const sep of SEPARATORS) {
        paths.add(`${prefix || "/"}${sep}..${sep}${target}`);
        paths.add(`${prefix}/x${sep}%2e%2e${sep}${target}`);
        if (target.includes('/')) paths.add(`${prefix}/${target.replace('/', sep)}`);
      }
      paths.add(`${prefix}/%2e%2e%2f%2E%2E%5c${target}`);
      paths.add(`${prefix}/.%2e/%2E./${target}?x=1`);
      paths.add(`${prefix}/zzz/%2e%2e/${target}`);
    }
  }
  return [...paths];
}

describe('e2e: raw paths with encoded dot segments, slashes or backslashes', () => {
  it('refuses every trick with 400 before routing, on every prefix and method', async () => {
    const upstream = await e2e.mock();
    // no gateway keys: the admin API is open on loopback, so a trick that reached it would list records
    const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream) }, models: [chatModel(['primary'])], logging: { enabled: true } });
    const chat = JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] });
    expect((await rawRequest(gw.url, 'POST', '/v1/chat/completions', chat)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 250));
    const listed = await rawRequest(gw.url, 'GET', '/api/requests');
    expect(listed.status).toBe(200);
    expect(listed.text).toContain('"upstream"'); // the control: the admin API holds data a trick could reach
    upstream.reset();

    const paths = trickPaths();
    expect(paths.length).toBeGreaterThan(900);
    const wrong: string[] = [];
    for (const path of paths) {
      for (const method of ['GET', 'POST', 'DELETE']) {
        const { status, text } = await rawRequest(gw.url, method, path, method === 'POST' ? chat : undefined);
        // the refusal, in OpenAI's envelope or (under /v1/messages/) Anthropic's
        const refused = status === 400 && (text.includes('"code":"invalid_path"') || (/^\/(?:api\/)?v1\/messages\//.test(path) && text.includes('"type":"error"') && text.includes('request path holds')));
        // a GET of a model id may hold an encoded slash (the SDK's form): a catalog lookup, 404 for these
        const modelLookup = method === 'GET' && status === 404 && /^\/(?:api\/)?v1\/models\/[^%]*%2f[^%]*$/i.test(path) && text.includes('"code":"model_not_found"');
        if (!(refused || modelLookup) || text.includes('"upstream"') || text.includes('anyrouter_')) wrong.push(`${method} ${path} -> ${status} ${text.slice(0, 80)}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(upstream.requests.length).toBe(0);
  });

  it('keeps the plain routes and model ids with a slash, raw or encoded as the SDK sends it', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({ providers: { primary: provider('primary', upstream) }, models: [chatModel(['primary']), chatModel(['primary'], 'vendor/gpt-5.4-mini', [])] });
    expect((await rawRequest(gw.url, 'GET', '/v1/models/vendor/gpt-5.4-mini')).status).toBe(200);
    expect((await rawRequest(gw.url, 'GET', '/v1/models/vendor%2Fgpt-5.4-mini')).status).toBe(200);
    expect((await rawRequest(gw.url, 'GET', '/api/v1/models/vendor%2fgpt-5.4-mini')).status).toBe(200);
    expect((await rawRequest(gw.url, 'GET', '/v1/models/vendor%2F..%2Fgpt-5.4-mini')).status).toBe(400);
    expect((await rawRequest(gw.url, 'GET', '/v1/models/vendor%2F%2e%2e')).status).toBe(400);
    expect((await rawRequest(gw.url, 'GET', '/v1/models/nobody%2Fnothing')).status).toBe(404);
    expect((await rawRequest(gw.url, 'GET', '/health')).status).toBe(200);
    expect((await rawRequest(gw.url, 'GET', '/v1/models?after=..')).status).toBe(200);
    expect((await rawRequest(gw.url, 'POST', '/v1/chat/completions?x=%2e%2e', JSON.stringify({ model: MODEL, messages: [{ role: 'user', content: 'hi' }] }))).status).toBe(200);
  });
});
