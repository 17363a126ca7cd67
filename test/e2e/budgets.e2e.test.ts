/**
 * Budgets over real HTTP: a gateway key's, an app's and the gateway's. An answer's cost is counted when it
 * ends; once a budget is used up, requests get 402 in their protocol's envelope without an upstream call,
 * until the period turns (an injected clock); spend survives a restart (read back from the request log).
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { periodEnd } from '../../src/runtime/governance/budget-periods.js';
import { MODEL, chatModel, messages, provider, type GatewayFixture } from './harness.js';
import { anthropicClient, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();
const KEY = 'sk-ar-e2e-budget-00000000000000000000000000000';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

/** $1 per 1k tokens each way: the mock's 1,000 + 1,000 tokens cost $4 a request. */
const pricey = { ...chatModel(['primary']), pricing: { prompt: 1000, completion: 3000 } };

async function setup(extra: Record<string, unknown>, logPath?: string) {
  const upstream = await e2e.mock();
  upstream.setDefault({ content: 'ok', usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
  const gw = await e2e.gateway({
    providers: { primary: provider('primary', upstream) },
    models: [pricey],
    ...(logPath ? { logging: { enabled: true, path: logPath } } : {}),
    ...extra,
  } as Parameters<typeof e2e.gateway>[0]);
  return { upstream, gw };
}

const keyed = (budget: { usd: number; period: string }) => ({ auth: { gatewayKeys: [{ name: 'team', sha256: sha256(KEY), budget }] } });
const chat = (gw: GatewayFixture, headers: Record<string, string> = {}) => gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${KEY}`, ...headers } });

describe('e2e: budgets', () => {
  it('a key over its daily budget gets 402 in both envelopes, without an upstream call, until the day turns', async () => {
    const { upstream, gw } = await setup(keyed({ usd: 5, period: 'day' }));
    const first = await chat(gw);
    expect(first.status).toBe(200);
    expect(Number(first.headers.get('x-anyrouter-budget-remaining'))).toBe(5);
    expect(((await first.json()) as { usage: { cost: number } }).usage.cost).toBe(4);
    const second = await chat(gw);
    expect(second.status).toBe(200);
    expect(Number(second.headers.get('x-anyrouter-budget-remaining'))).toBe(1);
    await second.arrayBuffer();
    const calls = upstream.requests.length;

    const refused = await chat(gw);
    expect(refused.status).toBe(402);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('budget_exceeded');
    expect(body.error.message).toMatch(/gateway key 'team' budget of \$5 per day is used up \(\$8\.00 spent\); it resets at \d{4}-\d{2}-\d{2}T00:00:00\.000Z/);
    expect(refused.headers.get('x-anyrouter-budget-remaining')).toBe('0');

    const anthropic = await anthropicClient(gw, { apiKey: KEY }).messages.create({ model: MODEL, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }).then(() => undefined, (e: unknown) => e);
    expect(anthropic).toBeInstanceOf(Error);
    expect((anthropic as { status?: number }).status).toBe(402);
    expect(JSON.stringify((anthropic as { error?: unknown }).error)).toContain('budget');
    expect(upstream.requests.length).toBe(calls);

    // the next UTC day: the budget starts over
    const tomorrow = periodEnd('day', Date.now()) + 1_000;
    gw.gateway.state.clock = { now: () => tomorrow };
    expect((await chat(gw)).status).toBe(200);
  });

  it('an app budget counts the requests with its X-AnyRouter-Title, a gateway budget all of them', async () => {
    const { gw } = await setup({ budgets: [{ app: 'My App', usd: 3, period: 'month' }, { name: 'all', usd: 10, period: 'week' }] });
    expect((await gw.postChat({ model: MODEL, messages }, { headers: { 'x-anyrouter-title': 'My App' } })).status).toBe(200);
    const over = await gw.postChat({ model: MODEL, messages }, { headers: { 'x-anyrouter-title': 'My App' } });
    expect(over.status).toBe(402);
    expect(((await over.json()) as { error: { message: string } }).error.message).toContain("app 'My App' budget of $3 per month");
    // another app is under the gateway budget: 4 + 4 (+ the first 4) passes $10
    expect((await gw.postChat({ model: MODEL, messages })).status).toBe(200);
    expect((await gw.postChat({ model: MODEL, messages })).status).toBe(200);
    const all = await gw.postChat({ model: MODEL, messages });
    expect(all.status).toBe(402);
    expect(((await all.json()) as { error: { message: string } }).error.message).toContain("gateway 'all' budget of $10 per week");
  });

  it('spend survives a restart: it is read back from the request log', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-budget-'));
    dirs.push(dir);
    const logPath = path.join(dir, 'anyrouter.db');
    const first = await setup(keyed({ usd: 6, period: 'total' }), logPath);
    expect((await chat(first.gw)).status).toBe(200);
    await first.gw.gateway.close(1_000);
    const second = await setup(keyed({ usd: 6, period: 'total' }), logPath);
    expect((await chat(second.gw)).status).toBe(200);
    const refused = await chat(second.gw);
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain('a total budget: it does not reset');
  });
});
