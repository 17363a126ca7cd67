import Database from 'better-sqlite3';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startRequestLog } from '../../src/runtime/observability/request-log.js';
import { WorkerRequestLog } from '../../src/runtime/observability/worker-request-log.js';
import { attempt, encoded, record, T0, tempDir } from './fixtures.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const failover = () =>
  record({
    id: 'req_429_then_200',
    attempts: [
      attempt({ upstream: 'openai/gpt-5.4-mini', keyName: 'main', outcome: 'key-rate-limited', status: 429, errorClass: 'http_429', nextBecause: "key 'main' was rate-limited; quarantined for 30000 ms" }),
      attempt({ upstream: 'openrouter/openai/gpt-5.4-mini', provider: 'openrouter', keyName: 'or', startedAt: T0 + 100 }),
    ],
  });

describe('startRequestLog (worker thread)', () => {
  it('records off the main thread, answers queries, and keeps the record across a restart', async () => {
    const path = join(dir, '.anyrouter', 'anyrouter.db');
    const rec = failover();
    const first = await startRequestLog({ path, retentionDays: 30 });
    expect(first.record(rec)).toBe(true);
    await first.close();
    expect(first.stats()).toMatchObject({ written: 1, dropped: 0 });

    const second = await startRequestLog({ path });
    try {
      const back = await second.reader.getRequest('req_429_then_200');
      expect(back).toEqual({ ...rec, bodies: undefined });
      expect(back!.attempts.map((a) => [a.upstream, a.status, a.nextBecause])).toEqual([
        ['openai/gpt-5.4-mini', 429, "key 'main' was rate-limited; quarantined for 30000 ms"],
        ['openrouter/openai/gpt-5.4-mini', 200, undefined],
      ]);
      expect((await second.reader.listRequests({ upstream: 'openrouter/openai/gpt-5.4-mini' })).requests.map((r) => r.id)).toEqual(['req_429_then_200']);
      expect(await second.reader.usage({ groupBy: 'model' })).toMatchObject([{ group: 'openai/gpt-5.4-mini', requests: 1 }]);
      expect(await second.reader.getRequest('missing')).toBeUndefined();
    } finally {
      await second.close();
    }
  });

  it('counts drops when its queue is full and never throws to the caller', async () => {
    const log = await startRequestLog({ path: join(dir, 'a.db'), queue: { capacity: 5, flushIntervalMs: 60_000 } });
    let accepted = 0;
    for (let i = 0; i < 50; i++) if (log.record(record())) accepted++;
    expect(accepted).toBe(5);
    expect(log.stats().dropped).toBe(45);
    await log.close();
    expect(log.stats()).toMatchObject({ written: 5, dropped: 45 });
    expect(log.record(record())).toBe(false);
  });

  it('keeps the main thread responsive while the writer thread is stuck inside SQLite, dropping what does not fit', async () => {
    const path = join(dir, 'stuck.db');
    // a long busy timeout: the worker sleeps inside SQLite, like a write to a disk that hangs
    const log = await startRequestLog({ path, busyTimeoutMs: 10_000, queue: { capacity: 50, batchSize: 10, flushIntervalMs: 1 } });
    const blocker = new Database(path);
    blocker.exec('BEGIN EXCLUSIVE');
    let released = false;
    try {
      log.record(record());
      await new Promise((r) => setTimeout(r, 30)); // that batch is now stuck in the worker
      const lags: number[] = [];
      for (let round = 0; round < 10; round++) {
        const t = performance.now();
        for (let i = 0; i < 100; i++) log.record(record());
        await new Promise((r) => setImmediate(r));
        lags.push(performance.now() - t);
      }
      expect(Math.max(...lags)).toBeLessThan(250); // the worker is stuck for seconds
      expect(log.stats()).toMatchObject({ queued: 50, droppedFull: 950, written: 0 });
      blocker.exec('COMMIT');
      released = true;
      await until(() => log.stats().written === 51);
    } finally {
      if (!released) blocker.exec('COMMIT');
      blocker.close();
      await log.close();
    }
    expect(log.stats()).toMatchObject({ written: 51, dropped: 950 });
  });

  it('purges by retention days', async () => {
    const log = await startRequestLog({ path: join(dir, 'r.db'), retentionDays: 7 });
    log.record(record({ id: 'old', time: Date.now() - 8 * 86_400_000 }));
    log.record(record({ id: 'new', time: Date.now() - 1000 }));
    await new Promise((r) => setTimeout(r, 120)); // the queue's timer writes them
    expect(await log.purge()).toBe(1);
    expect((await log.reader.listRequests()).requests.map((r) => r.id)).toEqual(['new']);
    await log.close();
  });

  it('runs on the main thread when asked (tools, tests)', async () => {
    const log = await startRequestLog({ path: join(dir, 'm.db'), thread: 'main' });
    log.record(failover());
    await log.close();
    const again = await startRequestLog({ path: join(dir, 'm.db'), thread: 'main' });
    expect((await again.reader.getRequest('req_429_then_200'))?.attempts).toHaveLength(2);
    await again.close();
  });
});

describe('WorkerRequestLog', () => {
  it('skips a record the store refuses and reports it, writing the rest of the batch', async () => {
    const log = await WorkerRequestLog.start({ store: { path: join(dir, 'w.db') } });
    try {
      // NaN binds as NULL, which the status column refuses
      expect(await log.write(encoded(record({ status: Number.NaN }), record({ id: 'fine' })))).toEqual({ inserted: 1, rejected: 1, accessLogDropped: 0 });
      expect(await log.count()).toBe(1);
      await expect(log.listRequests({}, { cursor: '!!' })).rejects.toMatchObject({ name: 'InvalidCursorError' });
      await expect(log.usage({ groupBy: 'nope' as 'model' })).rejects.toMatchObject({ name: 'RangeError' });
    } finally {
      await log.close();
    }
    await expect(log.count()).rejects.toThrow(/closed|stopped/);
  });

  it('fails a batch with SQLITE_BUSY while another process holds the lock; the request log counts the drops and recovers', async () => {
    const path = join(dir, 'busy.db');
    const log = await startRequestLog({ path, queue: { batchSize: 5, flushIntervalMs: 1 } });
    const blocker = new Database(path);
    try {
      blocker.exec('BEGIN EXCLUSIVE'); // a blocked disk, as far as the writer can tell
      const t = performance.now();
      for (let i = 0; i < 10; i++) expect(log.record(record())).toBe(true);
      expect(performance.now() - t).toBeLessThan(250); // the caller never waits for the lock (busy timeout: 100 ms a batch)
      await until(() => log.stats().droppedWriteFailed === 10);
      blocker.exec('COMMIT');
      for (let i = 0; i < 10; i++) log.record(record());
      await until(() => log.stats().written === 10);
      expect(await log.reader.listRequests({}, { limit: 100 })).toMatchObject({ requests: { length: 10 } });
    } finally {
      blocker.close();
      await log.close();
    }
    expect(log.stats()).toMatchObject({ written: 10, droppedWriteFailed: 10, dropped: 10 });
  });

  it('fails to start, without hanging, when the database cannot be opened', async () => {
    mkdirSync(join(dir, 'is-a-folder.db'));
    await expect(WorkerRequestLog.start({ store: { path: join(dir, 'is-a-folder.db') } })).rejects.toThrow();
  });

  it('removes key values in the worker too', async () => {
    const secret = 'sk-worker-0123456789abcdefghijklmnop';
    const path = join(dir, 's.db');
    const log = await WorkerRequestLog.start({ store: { path, secrets: [secret], bodies: { enabled: true, redact: false } } });
    await log.write(encoded(record({ id: 's', errorClass: `upstream said: bad key ${secret}`, bodies: { request: `{"key":"${secret}"}` } })));
    const back = await log.getRequest('s');
    await log.close();
    expect(back!.bodies!.request).toBe('{"key":"[REDACTED:key]"}');
    expect(back!.errorClass).toBe('upstream said: bad key [REDACTED:key]');
    expect(readFileSync(path).includes(secret)).toBe(false);
  });
});
