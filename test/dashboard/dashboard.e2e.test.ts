/**
 * The dashboard in a real browser (headless Chromium, playwright-core) against a real gateway with mock
 * upstreams: signing in, a failed-over request's attempts in order, usage chart totals against the admin
 * API, a rate-limited key's countdown on the health page, a refused admin key, and the live tail. Every page
 * is screenshotted into test-output/dashboard/.
 */
import { createHash } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { chatModel, messages, provider, useE2E, type GatewayFixture } from '../e2e/harness.js';
import { browserTestsRun, launchBrowser, screenshot } from './browser.js';

const ADMIN_KEY = 'sk-ar-admin-dashboard-test-0123456789';
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// a real browser on a busy 2-core machine takes its time: a minute a test, not the suite's 20 s
describe.skipIf(!browserTestsRun)('the dashboard in headless Chromium', { timeout: 60_000 }, () => {
  const e2e = useE2E();
  let browser: Browser;
  let context: BrowserContext | undefined;
  /** Every URL a page asked for: the dashboard fetches nothing from another origin. */
  let requested: string[] = [];

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await context?.close();
    context = undefined;
  });

  async function world() {
    const primary = await e2e.mock();
    const secondary = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) },
      models: [chatModel(['primary', 'secondary'])],
      auth: { adminKeys: [{ name: 'ops', sha256: sha256(ADMIN_KEY) }] },
      logging: { enabled: true },
    });
    return { primary, secondary, gw };
  }

  async function open(gw: GatewayFixture, viewport = { width: 1280, height: 860 }, colorScheme: 'light' | 'dark' = 'light'): Promise<Page> {
    context = await browser.newContext({ viewport, colorScheme });
    const page = await context.newPage();
    requested = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.goto(`${gw.url}/dashboard`);
    return page;
  }

  async function signIn(page: Page, key = ADMIN_KEY) {
    await page.getByLabel('Admin key').fill(key);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** Admin API GET, as the page makes it. */
  async function admin<T>(gw: GatewayFixture, path: string): Promise<T> {
    const res = await fetch(gw.url + path, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
    expect(res.status, path).toBe(200);
    return (await res.json()) as T;
  }

  /** Waits until the request log holds `n` requests (records reach the store in batches). */
  async function logged(gw: GatewayFixture, n: number) {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const page = await admin<{ data: unknown[] }>(gw, '/api/requests?limit=100');
      if (page.data.length >= n) return;
      if (Date.now() > deadline) throw new Error(`the request log holds ${page.data.length} requests, expected ${n}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  function expectOnlySameOrigin(gw: GatewayFixture) {
    expect(requested.length).toBeGreaterThan(0);
    expect(requested.filter((url) => !url.startsWith(gw.url + '/'))).toEqual([]);
  }

  it('refuses a wrong admin key, then signs in with the right one (kept in sessionStorage only)', async () => {
    const { gw } = await world();
    const page = await open(gw);
    await screenshot(page, 'sign-in');
    await signIn(page, 'sk-ar-not-the-admin-key');
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('refused this admin key');
    expect(await page.evaluate('sessionStorage.length')).toBe(0);
    await screenshot(page, 'sign-in-refused');
    expect(await page.getByRole('navigation', { name: 'Dashboard' }).count()).toBe(0);

    await signIn(page);
    await page.getByRole('heading', { name: 'Requests', level: 1 }).waitFor();
    expect(await page.evaluate('sessionStorage.getItem("anyrouter.adminKey")')).toBe(ADMIN_KEY);
    expect(await page.evaluate('localStorage.getItem("anyrouter.adminKey")')).toBeNull();
    expectOnlySameOrigin(gw);
  });

  it('shows both attempts of a failed-over request, in order, on its detail page', async () => {
    const { primary, gw } = await world();
    primary.script([{ status: 503, message: 'primary is down' }]);
    const { response } = await gw.client().chat.completions.create({ model: 'chat', messages }).withResponse();
    const id = response.headers.get('x-anyrouter-request-id')!;
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    await gw.client().chat.completions.create({ model: 'chat', messages });
    await logged(gw, 2);

    const page = await open(gw);
    await signIn(page);
    const row = page.locator(`tr[data-request-id="${id}"]`);
    await row.waitFor();
    expect(await row.locator('td').nth(5).textContent()).toBe('2');
    await screenshot(page, 'requests');

    await row.getByRole('link').click();
    await page.getByRole('heading', { name: `Request ${id}` }).waitFor();
    const attempts = page.locator('table.waterfall tbody tr');
    await attempts.nth(1).waitFor();
    expect(await attempts.count()).toBe(2);
    const first = (await attempts.nth(0).locator('td').allTextContents()).join(' | ');
    const second = (await attempts.nth(1).locator('td').allTextContents()).join(' | ');
    expect(first).toMatch(/^1 \| primary\/primary-model \| main \(byok\) \| 503 \| /);
    expect(first).toMatch(/5\d\d|upstream/i);
    expect(second).toMatch(/^2 \| secondary\/secondary-model \| main \(byok\) \| 200 \| /);
    expect(second).toContain('last attempt');
    // why the second attempt was made: the first one's reason, in its last cell
    expect((await attempts.nth(0).locator('td').last().textContent())!.length).toBeGreaterThan(3);
    expect(page.url()).toContain(`#/requests/${id}`);
    await screenshot(page, 'request-detail');
    expectOnlySameOrigin(gw);
  });

  it("draws usage charts whose totals equal the admin API's numbers", async () => {
    const { secondary, primary, gw } = await world();
    primary.script([{ usage: { prompt_tokens: 120, completion_tokens: 30 } }, { status: 500 }]);
    secondary.script([{ usage: { prompt_tokens: 7, completion_tokens: 900 } }]);
    await gw.client().chat.completions.create({ model: 'chat', messages });
    await gw.client().chat.completions.create({ model: 'chat', messages });
    await gw.client().chat.completions.create({ model: 'chat', messages });
    await logged(gw, 3);
    const api = await admin<{ data: Array<{ requests: number; promptTokens: number; completionTokens: number; costUsd: number }> }>(gw, '/api/usage?group_by=upstream&from=24h');
    const want = api.data.reduce((t, r) => ({ requests: t.requests + r.requests, tokens: t.tokens + r.promptTokens + r.completionTokens, cost: t.cost + r.costUsd }), { requests: 0, tokens: 0, cost: 0 });
    expect(want.requests).toBe(3);

    const page = await open(gw);
    await signIn(page);
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByLabel('Group by').selectOption('upstream');
    await page.locator('figure[data-chart="cost"] canvas').waitFor();
    // what uPlot itself holds: the sum of every series of each chart
    const drawn = (chart: string) =>
      page.evaluate(`(() => { const u = document.querySelector('figure[data-chart="${chart}"] .plot').uplot; return u.data.slice(1).flat().reduce((a, v) => a + (v ?? 0), 0); })()`) as Promise<number>;
    // the charts redraw once the grouped query is back: wait for it rather than read the first drawing
    await expect.poll(() => drawn('requests'), { timeout: 10_000 }).toBe(want.requests);
    await expect.poll(() => drawn('tokens'), { timeout: 10_000 }).toBe(want.tokens);
    await expect.poll(() => drawn('cost'), { timeout: 10_000 }).toBeCloseTo(want.cost, 12);
    // the totals and the table render after uPlot took the data: under load they can trail it by a frame
    await expect.poll(() => page.locator('figure[data-chart="requests"] [data-total]').textContent(), { timeout: 10_000 }).toBe(String(want.requests));
    await expect.poll(() => page.locator('figure[data-chart="tokens"] [data-total]').textContent(), { timeout: 10_000 }).toBe(want.tokens.toLocaleString('en-US'));
    await expect.poll(() => page.locator('table.usage tfoot td').first().textContent(), { timeout: 10_000 }).toBe(String(want.requests));
    await screenshot(page, 'usage');
    expectOnlySameOrigin(gw);
  });

  it('shows a key rate-limited by a 429 as quarantined, with a countdown that runs', async () => {
    const { primary, gw } = await world();
    primary.script([{ status: 429, headers: { 'retry-after': '90' } }]);
    const { response } = await gw.client().chat.completions.create({ model: 'chat', messages }).withResponse();
    expect(response.headers.get('x-anyrouter-upstream')).toBe('secondary');

    const page = await open(gw);
    await signIn(page);
    await page.getByRole('link', { name: 'Health' }).click();
    const key = page.locator('tr[data-key="primary/main"]');
    await key.waitFor();
    expect(await key.getAttribute('data-state')).toBe('quarantined');
    expect(await key.locator('.badge').textContent()).toBe('quarantined');
    const countdown = key.locator('time.countdown');
    const before = await countdown.textContent();
    expect(before).toMatch(/^1m \d\ds$|^\d\ds$/);
    expect(await page.locator('tr[data-key="secondary/main"]').getAttribute('data-state')).toBe('healthy');
    expect(await key.locator('td').last().textContent()).toContain('429');
    await expect.poll(() => countdown.textContent(), { timeout: 4_000 }).not.toBe(before);
    const seconds = (text: string) => (text.includes('m') ? Number(text.split('m')[0]) * 60 + Number(text.split(' ')[1]!.replace('s', '')) : Number(text.replace('s', '')));
    const after = (await countdown.textContent())!;
    expect(seconds(after)).toBeLessThan(seconds(before!));
    expect(seconds(after)).toBeGreaterThan(80);
    await screenshot(page, 'health');
    expectOnlySameOrigin(gw);
  });

  it('adds a new request to the table through the live tail, without a reload', async () => {
    const { gw } = await world();
    const page = await open(gw);
    await signIn(page);
    await page.locator('.dot.on').waitFor();
    await page.evaluate('window.__sameDocument = true');
    const { response } = await gw.client().chat.completions.create({ model: 'chat', messages }).withResponse();
    const id = response.headers.get('x-anyrouter-request-id')!;
    await page.locator(`tr[data-request-id="${id}"]`).waitFor({ timeout: 5_000 });
    expect(await page.evaluate('window.__sameDocument')).toBe(true);
    await screenshot(page, 'requests-live-tail');
  });

  it('explains the route for a model with its reasons, and shows the bundle hash', async () => {
    const { gw } = await world();
    const page = await open(gw);
    await signIn(page);
    await page.getByRole('link', { name: 'Models and routing' }).click();
    await page.getByLabel('Explain the route for').fill('chat');
    await page.getByRole('button', { name: 'Explain' }).click();
    const plan = page.locator('ol.plan li');
    await plan.nth(1).waitFor();
    expect(await plan.nth(0).textContent()).toContain('primary/primary-model');
    expect(await plan.nth(1).textContent()).toContain('secondary/secondary-model');
    expect(await page.locator('ul.decisions li').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-bundle-hash]').textContent()).toBe(gw.gateway.state.table.bundle.hash);
    await screenshot(page, 'models');
  });

  it('reads at phone width in the dark theme, without sideways scrolling of the page', async () => {
    const { gw } = await world();
    await gw.client().chat.completions.create({ model: 'chat', messages });
    await logged(gw, 1);
    const page = await open(gw, { width: 390, height: 844 }, 'dark');
    await signIn(page);
    await page.locator('table.requests tbody tr').first().waitFor();
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark');
    expect(await page.evaluate('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true);
    // the keyboard reaches the navigation: the skip link first, then the page links
    await page.reload();
    await page.locator('table.requests tbody tr').first().waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Skip to content');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement.textContent')).toBe('Requests');
    await screenshot(page, 'requests-phone-dark');
  });
});
