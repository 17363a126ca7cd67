/**
 * `anyrouter serve --workers 2` as a real process tree: health marks hold across the workers (a key
 * quarantined through one is skipped by the other), /metrics adds the workers up, a SIGKILLed worker is
 * replaced without failing more than what it had in flight, SIGTERM drains them all, a conversation one
 * worker served keeps its upstream on the other, an rpm limit without shared state is refused at start, and
 * budget spend and tpm tokens add up over the workers through the primary.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockOpenAI, type MockUpstream } from '../support/mock-openai-upstream.js';

const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));
const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

function config(first: MockUpstream, second: MockUpstream, extra = '', secondPriority = 2): string {
  return `export default {
  providers: {
    first: { type: 'openai', baseUrl: '${first.url}', keys: [{ name: 'k1', value: { env: 'FIRST_K1' } }, { name: 'k2', value: { env: 'FIRST_K2' } }] },
    second: { type: 'openai', baseUrl: '${second.url}', keys: [{ name: 'main', value: { env: 'SECOND_KEY' } }] },
  },
  models: [{ id: 'test/chat', context: 8000, pricing: { prompt: 1, completion: 1 }, upstreams: [{ provider: 'first', model: 'm', priority: 1 }, { provider: 'second', model: 'm', priority: ${secondPriority} }] }],
  presets: [],
  logging: { enabled: false },
  ${extra}
};
`;
}

interface Served {
  child: ChildProcess;
  url: string;
  log: () => string;
  exited: Promise<number | null>;
}

async function serveWorkers(dir: string, workers = 2): Promise<Served> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', path.join(dir, 'anyrouter.config.ts'), '--port', '0', '--workers', String(workers)], {
    env: { ...process.env, FIRST_K1: 'key-one', FIRST_K2: 'key-two', SECOND_KEY: 'key-three' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
  });
  for (let i = 0; i < 300 && !/at (http:\/\/[^ ]+)\/v1 on \d+ workers/.test(stderr) && child.exitCode === null; i++) await sleep(50);
  const url = /at (http:\/\/[^ ]+)\/v1 on \d+ workers/.exec(stderr)?.[1];
  return { child, url: url ?? '', log: () => stderr, exited };
}

/** One request on a connection of its own, so the workers take turns accepting them. */
function ask(url: string, messages: unknown[] = [{ role: 'user', content: 'hi' }], as: { model?: string; key?: string } = {}): Promise<{ status: number; upstream: string | undefined }> {
  return new Promise((resolve) => {
    const body = JSON.stringify({ model: as.model ?? 'test/chat', messages });
    const headers = { 'content-type': 'application/json', connection: 'close', ...(as.key !== undefined ? { authorization: `Bearer ${as.key}` } : {}) };
    const req = request(`${url}/v1/chat/completions`, { method: 'POST', agent: false, timeout: 5_000, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.complete ? (res.statusCode ?? 0) : 0, upstream: res.headers['x-anyrouter-upstream'] as string | undefined }));
      res.on('error', () => resolve({ status: 0, upstream: undefined }));
      res.on('close', () => resolve({ status: res.complete ? (res.statusCode ?? 0) : 0, upstream: res.headers['x-anyrouter-upstream'] as string | undefined }));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve({ status: 0, upstream: undefined }));
    req.end(body);
  });
}

async function setup(extra = '', secondPriority = 2) {
  const first = await startMockOpenAI();
  const second = await startMockOpenAI();
  const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-workers-'));
  cleanup.push(() => first.close(), () => second.close(), () => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second, extra, secondPriority));
  return { first, second, dir };
}

const pids = (text: string) => [...text.matchAll(/worker (\d+) died/g)].map((m) => Number(m[1]));

describe('e2e: serve --workers', () => {
  it('shares a quarantine across workers, adds their metrics up, replaces a killed worker, and drains on SIGTERM', { timeout: 60_000 }, async () => {
    const { first, dir } = await setup();
    const gw = await serveWorkers(dir);
    expect(gw.url, gw.log()).not.toBe('');
    // k1 rate-limited for 30 s through whichever worker takes the first request
    first.setByKey({ 'key-one': { status: 429, headers: { 'retry-after': '30' } } });
    expect((await ask(gw.url)).status).toBe(200);
    first.setByKey({});
    await sleep(100);
    for (let i = 0; i < 20; i++) expect((await ask(gw.url)).upstream).toBe('first');
    // both workers took requests, and none but the first went to k1
    expect(first.requests.filter((r) => r.apiKey === 'key-one')).toHaveLength(1);

    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/^anyrouter_workers 2$/m);
    const served = [...metrics.matchAll(/^anyrouter_requests_total\{[^}]*status="200"[^}]*\} (\d+)$/gm)].reduce((s, m) => s + Number(m[1]), 0);
    expect(served).toBeGreaterThanOrEqual(21);

    // a load run while one worker is SIGKILLed: only what that worker had in flight may fail
    const workerPids = (await import('node:child_process')).execFileSync('pgrep', ['-x', 'node', '-P', String(gw.child.pid)]).toString().trim().split('\n').map(Number);
    expect(workerPids).toHaveLength(2);
    const results: number[] = [];
    let stop = false;
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) results.push((await ask(gw.url)).status);
      }),
    );
    await sleep(300);
    process.kill(workerPids[0]!, 'SIGKILL');
    await sleep(1_000);
    stop = true;
    await load;
    const failed = results.filter((s) => s !== 200).length;
    expect(results.length).toBeGreaterThan(20);
    expect(failed).toBeLessThanOrEqual(4);
    expect(pids(gw.log())).toEqual([workerPids[0]]);
    const after = await (await fetch(`${gw.url}/metrics`)).text();
    expect(after).toMatch(/^anyrouter_worker_restarts_total 1$/m);
    expect(after).toMatch(/^anyrouter_workers 2$/m);

    console.log(`serve --workers 2: ${results.length} requests while a worker was killed, ${failed} failed`);
    gw.child.kill('SIGTERM');
    expect(await gw.exited).toBe(0);
    expect(gw.log()).toContain('draining every worker');
  });

  it('SIGHUP reloads every worker onto the new bundle, and a broken config keeps them all on the old one', { timeout: 60_000 }, async () => {
    const { first, second, dir } = await setup();
    const gw = await serveWorkers(dir);
    expect((await ask(gw.url)).upstream).toBe('first');
    // the second provider first now
    await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second).replace("priority: 1 }, { provider: 'second', model: 'm', priority: 2 }", "priority: 2 }, { provider: 'second', model: 'm', priority: 1 }"));
    gw.child.kill('SIGHUP');
    for (let i = 0; i < 600 && !/every worker now serves bundle/.test(gw.log()); i++) await sleep(50);
    expect(gw.log()).toMatch(/SIGHUP: every worker now serves bundle/);
    for (let i = 0; i < 10; i++) expect((await ask(gw.url)).upstream).toBe('second');
    await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second).replace("provider: 'first', model", "provider: 'frist', model"));
    gw.child.kill('SIGHUP');
    for (let i = 0; i < 600 && !/the new config has errors/.test(gw.log()); i++) await sleep(50);
    expect(gw.log()).toMatch(/SIGHUP: the new config has errors; every worker still serves bundle/);
    for (let i = 0; i < 10; i++) expect((await ask(gw.url)).upstream).toBe('second');
    void first;
  });

  it('a conversation one worker served keeps its upstream on the other (sticky entries relayed by the primary)', { timeout: 60_000 }, async () => {
    // both upstreams at priority 1: without the relay, the worker that did not serve a conversation draws for it
    const { dir } = await setup('', 1);
    const gw = await serveWorkers(dir);
    expect(gw.url, gw.log()).not.toBe('');
    const conversation = (topic: number, turn: number) => [
      { role: 'system', content: 'You review changes. '.repeat(20) },
      { role: 'user', content: `review change ${topic}` },
      ...Array.from({ length: turn }, (_, i) => [{ role: 'assistant', content: `reply ${i}` }, { role: 'user', content: `follow-up ${i}` }]).flat(),
    ];
    const topics = 8;
    const firstUpstream: Array<string | undefined> = [];
    for (let topic = 0; topic < topics; topic++) firstUpstream.push((await ask(gw.url, conversation(topic, 0))).upstream);
    // every worker holds every conversation's entry once the primary relayed them (the gauge is the fewest any worker holds)
    for (let i = 0; i < 200 && !new RegExp(`^anyrouter_sticky_routes ${topics}$`, 'm').test(await (await fetch(`${gw.url}/metrics`)).text()); i++) await sleep(20);
    // the workers take turns accepting connections: each later turn goes to either, and lands where the first did
    for (let turn = 1; turn <= 3; turn++) for (let topic = 0; topic < topics; topic++) expect((await ask(gw.url, conversation(topic, turn))).upstream).toBe(firstUpstream[topic]);
  });

  it('refuses to start more than one worker when a gateway key has an rpm limit and there is no state.redis', async () => {
    const { dir } = await setup(`auth: { gatewayKeys: [{ name: 'team', sha256: '${'a'.repeat(64)}', rpm: 10 }] },`);
    const gw = await serveWorkers(dir);
    expect(await gw.exited).toBe(1);
    expect(gw.log()).toMatch(/cannot serve on 2 workers: gateway keys 'team' have an rpm limit.*set state\.redis/);
  });

  it("adds a key's budget spend and tpm tokens up over the workers (through the primary): every worker refuses once the sum is over", { timeout: 60_000 }, async () => {
    const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
    const [spender, counter] = ['sk-ar-workers-budget-0123456789abcdef', 'sk-ar-workers-tokens-0123456789abcdef'];
    // 1,000 + 1,000 tokens an answer at $1 per 1M: $0.002 and 2,000 tokens; one answer on each worker is under either limit, two are over
    const { first, dir } = await setup(
      `auth: { gatewayKeys: [{ name: 'spender', sha256: '${sha256(spender)}', budget: { usd: 0.003, period: 'day' } }, { name: 'counter', sha256: '${sha256(counter)}', tpm: 3000 }] },`,
    );
    first.setDefault({ usage: { prompt_tokens: 1000, completion_tokens: 1000 } });
    const gw = await serveWorkers(dir);
    expect(gw.url, gw.log()).not.toBe('');
    /** Every worker refuses `key` with `status`: a run of probes, each on a connection of its own (the workers take turns), for a model there is none of, so none spends. */
    const allRefuse = async (key: string, status: number) => {
      for (let streak = 0, i = 0; i < 500; i++) {
        streak = (await ask(gw.url, undefined, { model: 'test/none', key })).status === status ? streak + 1 : 0;
        if (streak === 6) return true;
        await sleep(20);
      }
      return false;
    };
    expect((await ask(gw.url, undefined, { key: spender })).status).toBe(200);
    expect((await ask(gw.url, undefined, { key: spender })).status).toBe(200);
    expect(await allRefuse(spender, 402)).toBe(true);
    expect((await ask(gw.url, undefined, { key: spender })).status).toBe(402);

    // were the minute to turn between the two answers, neither window would be over
    if (new Date().getSeconds() >= 58) return;
    expect((await ask(gw.url, undefined, { key: counter })).status).toBe(200);
    expect((await ask(gw.url, undefined, { key: counter })).status).toBe(200);
    expect(await allRefuse(counter, 429)).toBe(true);
  });
});
