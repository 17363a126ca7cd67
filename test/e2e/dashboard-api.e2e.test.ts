/**
 * What the dashboard stands on, over plain HTTP: the page and its assets (cache headers, validators, a CSP
 * that allows nothing from another origin, HEAD as GET), where and when it is mounted, and the admin
 * endpoints it reads (behind the admin key): the live tail, live health, the catalog and explain.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { RoutingBundle } from '../../src/bundle/format.js';
import { dashboardPath } from '../../src/runtime/admin/dashboard-assets.js';
import { chatModel, messages, provider, useE2E, type GatewayConfig } from './harness.js';

const ADMIN_KEY = 'sk-ar-admin-api-test-0123456789';
const auth = { authorization: `Bearer ${ADMIN_KEY}` };

describe('the dashboard page', () => {
  const e2e = useE2E();
  const world = async (extra: Partial<GatewayConfig> = {}) => {
    const primary = await e2e.mock();
    const secondary = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) },
      models: [chatModel(['primary', 'secondary'])],
      auth: { adminKeys: [{ name: 'ops', sha256: createHash('sha256').update(ADMIN_KEY).digest('hex') }] },
      logging: { enabled: true },
      ...extra,
    });
    return { primary, secondary, gw };
  };

  it('serves the page (revalidated) and its hashed assets (immutable), naming nothing on another origin', async () => {
    const { gw } = await world();
    const page = await fetch(`${gw.url}/dashboard`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('cache-control')).toBe('no-cache');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    const html = await page.text();
    expect(html).not.toMatch(/https?:\/\//);
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets).toHaveLength(2);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/dashboard\/assets\/app-[A-Z0-9]+\.(js|css)$/);
      const res = await fetch(gw.url + asset);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      const body = await res.text();
      // no CDN, no font service, no analytics: nothing the page loads names another origin to fetch from
      expect(body).not.toMatch(/(?:fetch|import)\(\s*["'`]https?:|@import\s+url\(\s*["']?https?:/);
    }
    const again = await fetch(`${gw.url}/dashboard`, { headers: { 'if-none-match': page.headers.get('etag')! } });
    expect(again.status).toBe(304);
    const head = await fetch(`${gw.url}/dashboard`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await head.text()).toBe('');
    const missing = await fetch(`${gw.url}/dashboard/assets/nothing.js`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('route_not_found');
  });

  it('is mounted where the config says, and not at all when disabled', async () => {
    const { gw } = await world({ dashboard: { path: '/ops/ui' } });
    expect((await fetch(`${gw.url}/ops/ui`)).status).toBe(200);
    expect((await fetch(`${gw.url}/dashboard`)).status).toBe(404);
    const off = await world({ dashboard: { enabled: false } });
    expect((await fetch(`${off.gw.url}/dashboard`)).status).toBe(404);
  });

  it('is on by default with admin keys or on a loopback-only gateway, off otherwise', () => {
    const bundle = (adminKeys: number, dashboard?: RoutingBundle['dashboard']) =>
      ({ auth: { gatewayKeys: [], adminKeys: Array.from({ length: adminKeys }, (_, i) => ({ name: `a${i}`, sha256: '0'.repeat(64) })) }, ...(dashboard ? { dashboard } : {}) }) as unknown as RoutingBundle;
    expect(dashboardPath(bundle(0), '127.0.0.1')).toBe('/dashboard');
    expect(dashboardPath(bundle(0), '0.0.0.0')).toBeUndefined();
    expect(dashboardPath(bundle(1), '0.0.0.0')).toBe('/dashboard');
    expect(dashboardPath(bundle(1, { enabled: false, path: '/dashboard' }), '127.0.0.1')).toBeUndefined();
    expect(dashboardPath(bundle(0, { enabled: true, path: '/x' }), '0.0.0.0')).toBe('/x');
  });

  it('reads admin endpoints only with the admin key', async () => {
    const { gw } = await world();
    for (const path of ['/api/health', '/api/models', '/api/explain?model=chat', '/api/requests/stream']) {
      expect((await fetch(gw.url + path)).status, path).toBe(401);
      expect((await fetch(gw.url + path, { headers: { authorization: 'Bearer sk-ar-wrong' } })).status, path).toBe(401);
    }
    const health = (await (await fetch(`${gw.url}/api/health`, { headers: auth })).json()) as { now: string; upstreams: Record<string, { stats: { samples: number } }> };
    expect(Date.parse(health.now)).toBeGreaterThan(0);
    expect(health.upstreams['primary/primary-model']!.stats.samples).toBe(0);
    const catalog = (await (await fetch(`${gw.url}/api/models`, { headers: auth })).json()) as { bundle: { hash: string; loadedAt: string }; models: Array<{ id: string; upstreams: Array<{ provider: string }> }> };
    expect(catalog.bundle.hash).toBe(gw.gateway.state.table.bundle.hash);
    expect(catalog.models.map((m) => [m.id, m.upstreams.map((u) => u.provider)])).toEqual([['test/chat', ['primary', 'secondary']]]);
  });

  it('explains a route with planRoute over the live health: an ejected upstream goes behind the healthy one', async () => {
    const { primary, gw } = await world({ routing: { outlier: { consecutive: 1 } } });
    type Explained = { plan?: Array<{ upstream: string; routing?: string }>; decisions: Array<{ upstream: string; reason: string }>; error?: { status: number } };
    const explain = async (model: string) => (await (await fetch(`${gw.url}/api/explain?model=${encodeURIComponent(model)}`, { headers: auth })).json()) as Explained;
    expect((await explain('chat')).plan!.map((p) => p.upstream)).toEqual(['primary/primary-model', 'secondary/secondary-model']);
    primary.script([{ status: 503 }]);
    await gw.client().chat.completions.create({ model: 'chat', messages });
    const after = await explain('chat');
    expect(after.plan!.map((p) => [p.upstream, p.routing])).toEqual([['secondary/secondary-model', undefined], ['primary/primary-model', 'ejected']]);
    expect(after.decisions.find((d) => d.upstream === 'primary/primary-model')!.reason).toMatch(/eject/);
    expect((await explain('no/such-model')).error!.status).toBe(404);
    expect((await fetch(`${gw.url}/api/explain`, { headers: auth })).status).toBe(400);
  });

  it('streams new requests to the live tail, and ends the stream when the gateway closes', async () => {
    const { gw } = await world();
    const abort = new AbortController();
    const res = await fetch(`${gw.url}/api/requests/stream`, { headers: auth, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    const until = async (pattern: RegExp) => {
      while (!pattern.test(text)) {
        const { value, done } = await reader.read();
        if (done) return;
        text += value;
      }
    };
    await until(/event: ready/);
    const { response } = await gw.client().chat.completions.create({ model: 'chat', messages }).withResponse();
    const id = response.headers.get('x-anyrouter-request-id')!;
    await until(new RegExp(`id: ${id}`));
    const event = text.split('\n\n').find((e) => e.includes(`id: ${id}`))!;
    expect(event).toContain('event: request');
    expect(JSON.parse(event.split('\n').find((l) => l.startsWith('data: '))!.slice(6))).toMatchObject({ id, status: 200, attemptCount: 1, upstream: 'primary/primary-model' });
    const started = Date.now();
    await gw.gateway.close(10_000);
    expect(Date.now() - started).toBeLessThan(3_000);
    await until(/$^/);
  });
});
