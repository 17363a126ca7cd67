/**
 * HEAD on every route the app registers (read from the router itself): a GET route answers HEAD as it
 * answers GET, headers and status alike, without a body; a route without GET answers 405 with `Allow`.
 * Nothing is printed (test/support/output-guard.ts fails the file on a stack trace or an `Error [` line).
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/runtime/app.js';
import type { GatewayState } from '../../src/runtime/gateway-state.js';
import { MODEL, chatModel, provider, useE2E } from './harness.js';

const e2e = useE2E();

interface Raw {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function send(url: string, method: string, path: string): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(url + path, { method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A concrete path for a route pattern: parameters get a value the route knows. */
function concrete(pattern: string): string {
  return pattern.replace(/:id\{[^}]*\}/, MODEL).replace(/:id\b/, 'req_00000000000000000000000000000000').replace(/\*$/, 'anything');
}

describe('e2e: HEAD requests', () => {
  it('every registered route answers HEAD as GET would (no body), or 405 with Allow where there is no GET', async () => {
    const mock = await e2e.mock();
    const gw = await e2e.gateway({ providers: { primary: provider('primary', mock) }, models: [chatModel(['primary'])], logging: { enabled: true } });
    const app = createApp(() => gw.gateway.state as GatewayState);
    const byPath = new Map<string, Set<string>>();
    for (const route of app.routes) {
      if (route.path === '/*' || route.path.endsWith('/*')) continue;
      const methods = byPath.get(route.path) ?? new Set<string>();
      methods.add(route.method);
      byPath.set(route.path, methods);
    }
    expect(byPath.size).toBeGreaterThan(10);
    let checked = 0;
    for (const [pattern, methods] of byPath) {
      const path = concrete(pattern);
      const head = await send(gw.url, 'HEAD', path);
      expect(head.body, `HEAD ${path}`).toBe('');
      if (head.headers['content-type'] === 'text/event-stream') {
        // a stream (the live tail): its headers, without a length, and never a GET that would not end
        expect(head.status, `HEAD ${path}`).toBe(200);
      } else if (methods.has('GET')) {
        const get = await send(gw.url, 'GET', path);
        expect(head.status, `HEAD ${path}`).toBe(get.status);
        expect(head.headers['content-type'], `HEAD ${path}`).toBe(get.headers['content-type']);
        // the length GET would send (dynamic bodies such as /health may differ by a few bytes)
        expect(Number(head.headers['content-length']), `HEAD ${path}`).toBeGreaterThan(0);
      } else {
        expect(head.status, `HEAD ${path}`).toBe(405);
        expect(head.headers.allow, `HEAD ${path}`).toBeDefined();
        expect(String(head.headers.allow)).not.toContain('HEAD');
      }
      checked++;
    }
    expect(checked).toBe(byPath.size);
    // the paths no route registers answer HEAD like GET too: a 404 envelope's headers, no body
    const missing = await send(gw.url, 'HEAD', '/');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toContain('application/json');
    expect(missing.body).toBe('');
    // the mock was never called by any of it
    expect(mock.requests).toHaveLength(0);
  });
});
