/**
 * Observability over real HTTP: the trace of a failed-over request in the admin API and `anyrouter logs`,
 * cost from pricing x reported usage, records that survive a restart, a blocked store that drops (and
 * counts) records without slowing requests, and no key value in the database, stdout or any answer.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';
import { startGateway, type RunningGateway } from '../../src/runtime/server.js';
import { startMockOpenAI, type MockUpstream } from '../support/mock-openai-upstream.js';
import { waitForRecord } from './harness.js';

const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));
const run = promisify(execFile);
const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => undefined);
});

const PRICING = { prompt: 3, completion: 15 };
const messages = [{ role: 'user' as const, content: 'Say hello' }];

async function world(options: { keys?: Record<string, string>; logging?: Record<string, unknown> } = {}) {
  const primary = await startMockOpenAI();
  const secondary = await startMockOpenAI();
  const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-obs-'));
  cleanup.push(() => primary.close(), () => secondary.close(), () => rm(dir, { recursive: true, force: true }));
  const db = path.join(dir, 'anyrouter.db');
  const config = {
    providers: {
      primary: { type: 'openai', baseUrl: primary.url, keys: [{ name: 'main', value: { env: 'PRIMARY_KEY' } }] },
      secondary: { type: 'openai', baseUrl: secondary.url, keys: [{ name: 'main', value: { env: 'SECONDARY_KEY' } }] },
    },
    models: [{ id: 'test/chat', context: 100000, pricing: PRICING, upstreams: [{ provider: 'primary', model: 'p-model', priority: 1 }, { provider: 'secondary', model: 's-model', priority: 2 }] }],
    presets: [],
    routing: { cooldownMs: 2000 },
    server: { port: 0 },
    logging: { path: db, ...options.logging },
  };
  await writeFile(path.join(dir, 'anyrouter.config.ts'), `export default ${JSON.stringify(config)};\n`);
  const { bundle, diagnostics } = await compile(path.join(dir, 'anyrouter.config.ts'));
  if (!bundle) throw new Error(diagnostics.map((d) => d.message).join('\n'));
  const env = options.keys ?? { PRIMARY_KEY: 'sk-test-primary-0123456789abcdef', SECONDARY_KEY: 'sk-test-secondary-0123456789abcdef' };
  // the access log goes to a file here rather than the test runner's stdout
  const accessLog = path.join(dir, 'access.log');
  const start = async () => {
    const gw = await startGateway({ bundle, port: 0, env, log: () => undefined, accessLogTo: accessLog });
    cleanup.push(() => gw.close(200));
    return gw;
  };
  return { primary, secondary, dir, db, start, stdout: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : ''), env, bundle };
}

const client = (gw: RunningGateway) => new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: 'unused', maxRetries: 0 });


describe('e2e: request traces', () => {
  it('a 429 then 200 failover shows both attempts in order, with the reason, in the admin API and in `anyrouter logs`', async () => {
    const w = await world();
    const gw = await w.start();
    w.primary.script([{ status: 429, headers: { 'retry-after': '1' } }]);
    const { response } = await client(gw).chat.completions.create({ model: 'test/chat', messages }, { headers: { 'X-Title': 'obs-test' } }).withResponse();
    const id = response.headers.get('x-anyrouter-request-id')!;
    const record = await waitForRecord(gw, id);
    expect(record).toMatchObject({ id, status: 200, requestedModel: 'test/chat', servedModel: 'test/chat', app: { title: 'obs-test' }, protocol: 'openai-chat' });
    const attempts = record.attempts as Array<Record<string, unknown>>;
    expect(attempts.map((a) => [a.provider, a.status])).toEqual([
      ['primary', 429],
      ['secondary', 200],
    ]);
    expect(attempts[0]).toMatchObject({ upstream: 'primary/p-model', keyName: 'main', keyTier: 'byok', outcome: 'key-rate-limited', nextBecause: expect.stringContaining('rate-limited') });
    expect(attempts[1]!.nextBecause).toBeUndefined();

    const list = (await (await fetch(`${gw.url}/api/requests?upstream=primary&status=ok`)).json()) as { data: Array<{ id: string }> };
    expect(list.data.map((r) => r.id)).toContain(id);
    const usage = (await (await fetch(`${gw.url}/api/usage?group_by=upstream`)).json()) as { data: Array<{ group: string; requests: number }> };
    expect(usage.data).toEqual([expect.objectContaining({ group: 'secondary/s-model', requests: 1 })]);

    const { stdout } = await run(process.execPath, [BIN, 'logs', '--db', w.db]);
    expect(stdout).toContain(id);
    expect(stdout).toMatch(/test\/chat\s+secondary\/s-model\s+200\s+primary 429 → secondary 200\s/);
    const json = await run(process.execPath, [BIN, 'logs', '--db', w.db, '--format', 'json']);
    const listed = json.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; attempts: Array<{ provider: string; status: number }> });
    expect(listed.find((r) => r.id === id)?.attempts.map((a) => [a.provider, a.status])).toEqual([['primary', 429], ['secondary', 200]]);

    // one request's whole trace: every attempt with its key, status, timings and why the gateway moved on
    const trace = await run(process.execPath, [BIN, 'logs', '--db', w.db, '--id', id]);
    expect(trace.stdout).toContain(`request   ${id}`);
    expect(trace.stdout).toContain('attempts (2):');
    expect(trace.stdout).toMatch(/1\s+primary\/p-model\s+main \(byok\)\s+429 \S+\s+\+\d+ ms\s+\d+\s+\S+( ms)?\s+-\s+.*rate-limited/);
    expect(trace.stdout).toMatch(/2\s+secondary\/s-model\s+main \(byok\)\s+200\s+\+\d+ ms/);
    expect(trace.stdout).not.toContain('sk-test-');
    const traceJson = JSON.parse((await run(process.execPath, [BIN, 'logs', '--db', w.db, '--id', id, '--format', 'json'])).stdout) as typeof record;
    expect(traceJson).toEqual(record);
    const unknown = await run(process.execPath, [BIN, 'logs', '--db', w.db, '--id', 'req_missing']).catch((e: { code: number; stderr: string }) => e);
    expect(unknown).toMatchObject({ code: 1, stderr: expect.stringContaining("no request 'req_missing'") });
  });

  it('the record is still there after the gateway restarts', async () => {
    const w = await world();
    const first = await w.start();
    const { response } = await client(first).chat.completions.create({ model: 'test/chat', messages }).withResponse();
    const id = response.headers.get('x-anyrouter-request-id')!;
    await waitForRecord(first, id);
    await first.close(200);
    const second = await w.start();
    expect((await waitForRecord(second, id)).id).toBe(id);
  });
});

describe('e2e: gateway-made errors', () => {
  it('record the gateway\'s error code (a missing key, an unknown model), shown by the admin API, the access log and `anyrouter logs`', async () => {
    const w = await world({ keys: { PRIMARY_KEY: '', SECONDARY_KEY: '' } });
    const gw = await w.start();
    const noKey = await client(gw).chat.completions.create({ model: 'test/chat', messages }).withResponse().catch((e: InstanceType<typeof OpenAI.APIError>) => e);
    expect(noKey).toMatchObject({ status: 503, code: 'no_upstream_available' });
    expect((noKey as Error).message).toContain("no upstream of 'test/chat' has a key: set PRIMARY_KEY or SECONDARY_KEY in the gateway's environment");
    const unknown = await client(gw).chat.completions.create({ model: 'test/chta', messages }).catch((e: InstanceType<typeof OpenAI.APIError>) => e);
    expect(unknown).toMatchObject({ status: 404, code: 'model_not_found' });
    const ids = [noKey, unknown].map((e) => (e as InstanceType<typeof OpenAI.APIError>).headers?.get('x-anyrouter-request-id') ?? '');
    const records = await Promise.all(ids.map((id) => waitForRecord(gw, id)));
    expect(records.map((r) => [r.status, r.errorClass])).toEqual([
      [503, 'no_upstream_available'],
      [404, 'model_not_found'],
    ]);
    await gw.close(200);
    const lines = w.stdout().trim().split('\n').map((l) => JSON.parse(l) as { id: string; errorClass?: string });
    expect(ids.map((id) => lines.find((l) => l.id === id)?.errorClass)).toEqual(['no_upstream_available', 'model_not_found']);
    const { stdout } = await run(process.execPath, [BIN, 'logs', '--db', w.db, '--failed']);
    expect(stdout).toMatch(/test\/chat\s+-\s+503 no_upstream_available\s+-\s/);
    expect(stdout).toContain('404 model_not_found');
    const trace = await run(process.execPath, [BIN, 'logs', '--db', w.db, '--id', ids[0]!]);
    expect(trace.stdout).toContain('status    503 no_upstream_available');
    expect(trace.stdout).toContain('no upstream attempt: the gateway answered itself');
  });
});

describe('e2e: end users', () => {
  it("Claude Code's sessions count as one user under a short id in `usage --by user`; a long plain id is cut to fit the table", async () => {
    const w = await world();
    const gw = await w.start();
    const anthropic = new Anthropic({ baseURL: gw.url, apiKey: 'unused', maxRetries: 0 });
    const device = 'af90'.repeat(16);
    const ids: string[] = [];
    for (const session of ['bc03e1f2-0000-4000-8000-000000000001', 'bc03e1f2-0000-4000-8000-000000000002']) {
      const metadata = { user_id: JSON.stringify({ device_id: device, account_uuid: '', session_id: session }) };
      const { response } = await anthropic.messages.create({ model: 'test/chat', max_tokens: 16, messages, metadata }).withResponse();
      ids.push(response.headers.get('x-anyrouter-request-id')!);
    }
    const long = `team-${'x'.repeat(150)}`;
    const { response } = await client(gw).chat.completions.create({ model: 'test/chat', messages, user: long }).withResponse();
    ids.push(response.headers.get('x-anyrouter-request-id')!);
    for (const id of ids) await waitForRecord(gw, id);

    const { stdout } = await run(process.execPath, [BIN, 'usage', '--by', 'user', '--db', w.db]);
    expect(stdout).toMatch(/^device:af90af90af90\s+2\s/m);
    expect(stdout).toMatch(/^team-x{34}…\s+1\s/m);
    expect(stdout).not.toContain('session');
    expect(stdout).not.toContain('bc03e1f2');
  });
});

describe('e2e: cost', () => {
  const expected = (prompt: number, completion: number) => (prompt * PRICING.prompt + completion * PRICING.completion) / 1e6;

  it('non-streaming: usage.cost, x-anyrouter-cost and the record equal pricing x reported usage', async () => {
    const w = await world();
    const gw = await w.start();
    w.primary.setDefault({ usage: { prompt_tokens: 1234, completion_tokens: 567 } });
    const { data, response } = await client(gw).chat.completions.create({ model: 'test/chat', messages }).withResponse();
    const cost = expected(1234, 567);
    expect((data.usage as unknown as { cost: number }).cost).toBeCloseTo(cost, 12);
    expect(Number(response.headers.get('x-anyrouter-cost'))).toBeCloseTo(cost, 12);
    const record = await waitForRecord(gw, response.headers.get('x-anyrouter-request-id')!);
    expect(record).toMatchObject({ tokens: { prompt: 1234, completion: 567 } });
    expect(record.costUsd as number).toBeCloseTo(cost, 12);
  });

  it('streaming: the cost comes from the final usage chunk', async () => {
    const w = await world();
    const gw = await w.start();
    w.primary.setDefault({ usage: { prompt_tokens: 2000, completion_tokens: 321 }, chunks: 5 });
    const { data: stream, response } = await client(gw).chat.completions.create({ model: 'test/chat', messages, stream: true, stream_options: { include_usage: true } }).withResponse();
    let usage: (OpenAI.CompletionUsage & { cost?: number }) | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const cost = expected(2000, 321);
    expect(usage).toMatchObject({ prompt_tokens: 2000, completion_tokens: 321 });
    expect(usage!.cost).toBeCloseTo(cost, 12);
    const record = await waitForRecord(gw, response.headers.get('x-anyrouter-request-id')!);
    expect(record).toMatchObject({ stream: true, tokens: { prompt: 2000, completion: 321 } });
    expect(record.costUsd as number).toBeCloseTo(cost, 12);
  });
});

describe('e2e: a blocked store', () => {
  it('requests keep succeeding while the database is locked, and the drop counter rises', async () => {
    const w = await world();
    const gw = await w.start();
    await client(gw).chat.completions.create({ model: 'test/chat', messages }); // creates the schema
    await sleep(300);
    const metric = async () => Number(/^anyrouter_log_records_dropped (\d+)/m.exec(await (await fetch(`${gw.url}/metrics`)).text())?.[1]);
    const before = await metric();
    // another process holds the write lock: every batch the gateway writes fails with SQLITE_BUSY
    const blocker = new Database(w.db);
    blocker.exec('BEGIN EXCLUSIVE');
    cleanup.push(async () => blocker.close());
    const started = Date.now();
    const statuses = await Promise.all(Array.from({ length: 40 }, () => client(gw).chat.completions.create({ model: 'test/chat', messages }).withResponse().then((r) => r.response.status)));
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(Date.now() - started).toBeLessThan(5000); // generous: the point is that nothing waited on the lock
    let after = before;
    for (let i = 0; i < 50 && after <= before; i++) {
      await sleep(50);
      after = await metric();
    }
    expect(after).toBeGreaterThan(before);
    blocker.exec('ROLLBACK');
  });
});

describe('e2e: secrets', () => {
  it('no provider key value appears in the database file, stdout or any response (property)', async () => {
    const keyArb = fc.tuple(fc.constantFrom('sk-', 'sk-ant-api03-', 'sk-proj-', 'gsk_', ''), fc.stringMatching(/^[A-Za-z0-9_-]{24,40}$/)).map(([p, s]) => p + s);
    await fc.assert(
      fc.asyncProperty(keyArb, keyArb, fc.string({ maxLength: 200 }), fc.boolean(), async (primaryKey, secondaryKey, text, bodies) => {
        fc.pre(primaryKey !== secondaryKey);
        const w = await world({ keys: { PRIMARY_KEY: primaryKey, SECONDARY_KEY: secondaryKey }, logging: { bodies, accessLog: true } });
        const gw = await w.start();
        // the upstream echoes the key it got, as real ones do in their 401 messages
        w.primary.script([{ status: 401, message: `Incorrect API key provided: ${primaryKey}` }]);
        w.secondary.script([{ status: 400, message: `bad request for key ${secondaryKey}` }]);
        const answers: string[] = [];
        for (const body of [
          { model: 'test/chat', messages: [{ role: 'user', content: `${text} ${primaryKey.slice(0, 6)}` }] },
          { model: 'test/chat', messages: [{ role: 'user', content: text }], stream: true },
          { model: 'nope', messages },
        ]) {
          const res = await fetch(`${gw.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
          answers.push(JSON.stringify([...res.headers]) + (await res.text()));
        }
        answers.push(await (await fetch(`${gw.url}/health`)).text(), await (await fetch(`${gw.url}/metrics`)).text(), await (await fetch(`${gw.url}/api/requests`)).text());
        await gw.close(200);
        const files = ['', '-wal'].map((s) => w.db + s).filter((f) => existsSync(f));
        const stored = (await Promise.all(files.map((f) => readFile(f)))).map((b) => b.toString('latin1')).join('');
        for (const key of [primaryKey, secondaryKey]) {
          for (const answer of answers) expect(answer).not.toContain(key);
          expect(w.stdout()).not.toContain(key);
          expect(stored).not.toContain(key);
        }
        expect(stored).toContain('main'); // key names are there
        expect(w.stdout()).toContain('"msg":"request"'); // and the access log was written
      }),
      { numRuns: 6 },
    );
  }, 60_000);
});

describe('e2e: a hot reload that brings a new key', () => {
  it('keeps the new key value out of the request log too', async () => {
    const third = 'sk-test-third-key-0123456789abcdef';
    // redaction of key-looking text off: only the scrubbing of the gateway's own key values is at work
    const w = await world({ keys: { PRIMARY_KEY: 'sk-test-primary-0123456789abcdef', SECONDARY_KEY: 'sk-test-secondary-0123456789abcdef', THIRD_KEY: third }, logging: { redact: false } });
    const gw = await w.start();
    // the same bundle, but the secondary provider's key now comes from THIRD_KEY: a value the gateway did not read at start
    const next = structuredClone(w.bundle);
    next.providers.secondary!.keys[0]!.env = 'THIRD_KEY';
    gw.reload(next);
    const { response } = await client(gw).chat.completions.create({ model: 'test/chat', messages }).withResponse();
    const id = response.headers.get('x-anyrouter-request-id')!;
    // an upstream that quotes the key back in its error reaches the record through the attempt's error text
    const observability = gw.state.observability!;
    const record = { ...(await waitForRecord(gw, id)), id: `${id}-echo`, attempts: [] } as never as Parameters<typeof observability.record>[0];
    observability.record({ ...record, errorClass: `upstream said: invalid key ${third}` });
    const stored = await waitForRecord(gw, `${id}-echo`);
    expect(stored.errorClass).toBe('upstream said: invalid key [REDACTED:key]');
    await gw.close(200);
    for (const file of [w.db, `${w.db}-wal`]) if (existsSync(file)) expect((await readFile(file)).includes(third)).toBe(false);
  });
});

