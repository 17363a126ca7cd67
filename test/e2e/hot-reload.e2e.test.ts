/**
 * Hot reload through the real CLI: `anyrouter serve --config F --watch` under steady load, with a config
 * change in the middle (the primary upstream swaps), a SIGHUP, and a broken config that must not stop serving.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
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

function config(first: MockUpstream, second: MockUpstream, primary: 'first' | 'second', broken = false): string {
  const priority = primary === 'first' ? [1, 2] : [2, 1];
  return `export default {
  providers: {
    first: { type: 'openai', baseUrl: '${first.url}', keys: [{ name: 'main', value: { env: 'FIRST_KEY' } }] },
    second: { type: 'openai', baseUrl: '${second.url}', keys: [{ name: 'main', value: { env: 'SECOND_KEY' } }] },
  },
  models: [{
    id: 'test/chat', context: 8000, pricing: { prompt: 1, completion: 1 },
    upstreams: [
      { provider: '${broken ? 'frist' : 'first'}', model: 'm', priority: ${priority[0]} },
      { provider: 'second', model: 'm', priority: ${priority[1]} },
    ],
  }],
  presets: [],
  logging: { enabled: false },
};
`;
}

async function serve(dir: string): Promise<{ child: ChildProcess; url: string; log: () => string }> {
  const child = spawn(process.execPath, [BIN, 'serve', '--config', path.join(dir, 'anyrouter.config.ts'), '--watch', '--port', '0'], {
    env: { ...process.env, FIRST_KEY: 'k1', SECOND_KEY: 'k2' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  });
  for (let i = 0; i < 200 && !/at (http:\/\/[^ ]+)\/v1/.test(stderr); i++) await sleep(50);
  const url = /at (http:\/\/[^ ]+)\/v1/.exec(stderr)?.[1];
  if (!url) throw new Error(`gateway did not start:\n${stderr}`);
  return { child, url, log: () => stderr };
}

async function ask(url: string): Promise<{ status: number; upstream: string | null }> {
  const res = await fetch(`${url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'test/chat', messages: [{ role: 'user', content: 'hi' }] }) });
  await res.arrayBuffer();
  return { status: res.status, upstream: res.headers.get('x-anyrouter-upstream') };
}

async function setup() {
  const first = await startMockOpenAI();
  const second = await startMockOpenAI();
  const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-reload-'));
  cleanup.push(() => first.close(), () => second.close(), () => rm(dir, { recursive: true, force: true }));
  await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second, 'first'));
  return { first, second, dir, gw: await serve(dir) };
}

describe('e2e: hot reload', () => {
  it('swaps the bundle under steady load without failing a request, and new requests follow the new routing', async () => {
    const { first, second, dir, gw } = await setup();
    const results: Array<{ status: number; upstream: string | null; at: number }> = [];
    const start = Date.now();
    let swappedAt = 0;
    const load = (async () => {
      // about 200 requests per second for 4 s, 8 in flight at a time
      const workers = Array.from({ length: 8 }, async () => {
        while (Date.now() - start < 4000) {
          const r = await ask(gw.url);
          results.push({ ...r, at: Date.now() });
          await sleep(30);
        }
      });
      await Promise.all(workers);
    })();
    await sleep(1500);
    await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second, 'second'));
    for (let i = 0; i < 500 && !gw.log().includes('now serving'); i++) await sleep(20);
    swappedAt = Date.now();
    await load;

    expect(gw.log()).toContain('change: now serving bundle');
    expect(results.length).toBeGreaterThan(200);
    expect(results.filter((r) => r.status !== 200)).toEqual([]);
    expect(results.filter((r) => r.at < start + 1400).every((r) => r.upstream === 'first')).toBe(true);
    // a request that started after the swap was logged goes to the new primary
    const after = results.filter((r) => r.at > swappedAt + 200);
    expect(after.length).toBeGreaterThan(20);
    expect(after.every((r) => r.upstream === 'second')).toBe(true);
  }, 20_000);

  it('keeps serving the old bundle when the new config is broken, and SIGHUP reloads', async () => {
    const { first, second, dir, gw } = await setup();
    await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second, 'second', true));
    // the watcher and the compile of the broken config can take seconds when the whole suite runs on 2 cores
    for (let i = 0; i < 500 && !gw.log().includes('has errors'); i++) await sleep(20);
    expect(gw.log()).toContain("unknown provider 'frist'");
    expect(gw.log()).toContain('the new config has errors; still serving');
    expect(await ask(gw.url)).toEqual({ status: 200, upstream: 'first' });

    await writeFile(path.join(dir, 'anyrouter.config.ts'), config(first, second, 'second'));
    for (let i = 0; i < 500 && !gw.log().includes('now serving'); i++) await sleep(20);
    gw.child.kill('SIGHUP'); // a reload with nothing new changes nothing and must not stop the server
    await sleep(300);
    expect(await ask(gw.url)).toEqual({ status: 200, upstream: 'second' });
  }, 20_000);
});
