import Database from 'better-sqlite3';
import fc from 'fast-check';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordQueue, type RecordWriter } from '../../src/runtime/observability/record-queue.js';
import { decodeRecords } from '../../src/runtime/observability/record-codec.js';
import type { RequestRecord } from '../../src/runtime/observability/request-record.js';
import { SqliteRequestStore } from '../../src/runtime/observability/sqlite-store.js';
import { record, tempDir } from './fixtures.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Collects batches; `behave` decides per call: write, throw, reject, or hang. */
function fakeWriter(behave: (call: number) => 'ok' | 'throw' | 'reject' | 'hang' | 'partial' | number = () => 'ok') {
  const batches: RequestRecord[][] = [];
  let calls = 0;
  const writer: RecordWriter & { batches: RequestRecord[][]; closed: boolean } = {
    batches,
    closed: false,
    write(batch) {
      const how = behave(calls++);
      if (how === 'throw') throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
      if (how === 'reject') return Promise.reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      if (how === 'hang') return new Promise<void>(() => {});
      if (how === 'partial') {
        batches.push(decodeRecords(batch.bytes).slice(1));
        return { rejected: 1 };
      }
      batches.push(decodeRecords(batch.bytes));
      if (typeof how === 'number') return sleep(how);
    },
    close() {
      writer.closed = true;
    },
  };
  return writer;
}

describe('RecordQueue', () => {
  it('writes in batches, one writer call per batch, and close() flushes and closes the writer', async () => {
    const writer = fakeWriter();
    const queue = new RecordQueue({ writer, batchSize: 4, flushIntervalMs: 10_000 });
    const records = Array.from({ length: 10 }, () => record());
    for (const r of records) expect(queue.enqueue(r)).toBe(true);
    expect(writer.batches).toHaveLength(0); // nothing is written on the caller's stack
    await queue.close();
    expect(writer.batches.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(writer.batches.flat().map((r) => r.id)).toEqual(records.map((r) => r.id));
    expect(writer.closed).toBe(true);
    expect(queue.stats()).toMatchObject({ accepted: 10, written: 10, dropped: 0, batches: 3, queued: 0 });
  });

  it('flushes a partial batch on its timer', async () => {
    const writer = fakeWriter();
    const queue = new RecordQueue({ writer, batchSize: 100, flushIntervalMs: 5 });
    queue.enqueue(record());
    queue.enqueue(record());
    await sleep(40);
    expect(writer.batches.map((b) => b.length)).toEqual([2]);
    await queue.close();
  });

  it('writes a full batch on the next turn of the event loop, without waiting for the timer', async () => {
    const writer = fakeWriter();
    const queue = new RecordQueue({ writer, batchSize: 3, flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) queue.enqueue(record());
    await sleep(5);
    expect(writer.batches.map((b) => b.length)).toEqual([3, 3]); // the partial third waits for its timer
    await queue.close();
    expect(writer.batches.map((b) => b.length)).toEqual([3, 3, 1]);
  });

  it('gathers a steady trickle into one batch per timer, not one writer round trip after another', async () => {
    const writer = fakeWriter(() => 3); // each batch takes 3 ms
    const queue = new RecordQueue({ writer, batchSize: 1000, flushIntervalMs: 40 });
    for (let ms = 0; ms < 300; ms += 2) {
      queue.enqueue(record());
      await sleep(2);
    }
    await queue.close();
    // ~150 records over ~300+ ms at one batch per 40 ms timer; writing to empty on every timer made it one batch per round trip (~60)
    expect(writer.batches.flat()).toHaveLength(150);
    expect(writer.batches.length).toBeLessThanOrEqual(15);
  });

  it('drops and counts records when full, while the disk is blocked, and recovers', async () => {
    let blocked = true;
    let release: () => void = () => {};
    const writer = fakeWriter();
    const original = writer.write.bind(writer);
    writer.write = (batch) => (blocked ? new Promise<void>((r) => (release = () => r(original(batch) as undefined))) : original(batch));
    const queue = new RecordQueue({ writer, capacity: 100, batchSize: 10, flushIntervalMs: 1 });
    const started = performance.now();
    let accepted = 0;
    for (let i = 0; i < 10_000; i++) if (queue.enqueue(record())) accepted++;
    await sleep(20);
    for (let i = 0; i < 1_000; i++) if (queue.enqueue(record())) accepted++;
    expect(performance.now() - started).toBeLessThan(1_000);
    // one batch is stuck in the writer; the queue holds `capacity` more; everything else was dropped
    expect(accepted).toBe(110);
    expect(queue.stats()).toMatchObject({ queued: 100, droppedFull: 10_890, dropped: 10_890 });
    expect(queue.dropped).toBe(10_890);
    blocked = false;
    release();
    await queue.close();
    expect(queue.stats()).toMatchObject({ written: 110, dropped: 10_890 });
  });

  it('counts a throwing or rejecting writer as dropped records, never throws to enqueue, and keeps going', async () => {
    const errors: Array<[unknown, number]> = [];
    const writer = fakeWriter((call) => (call === 0 ? 'throw' : call === 1 ? 'reject' : 'ok'));
    const queue = new RecordQueue({
      writer,
      batchSize: 5,
      flushIntervalMs: 1,
      onWriteError: (error, dropped) => {
        errors.push([error, dropped]);
        throw new Error('a broken logger must not stop the queue either');
      },
    });
    for (let i = 0; i < 20; i++) expect(() => queue.enqueue(record())).not.toThrow();
    await queue.close();
    expect(queue.stats()).toMatchObject({ accepted: 20, written: 10, droppedWriteFailed: 10, dropped: 10, failedBatches: 2, batches: 2 });
    expect(errors.map(([e, n]) => [(e as { code: string }).code, n])).toEqual([
      ['SQLITE_IOERR', 5],
      ['SQLITE_BUSY', 5],
    ]);
  });

  it('counts records the store refused as dropped, and the rest of their batch as written', async () => {
    const queue = new RecordQueue({ writer: { write: (batch) => ({ rejected: batch.count > 1 ? 1 : 0 }) }, batchSize: 3 });
    for (let i = 0; i < 7; i++) queue.enqueue(record());
    await queue.close();
    expect(queue.stats()).toMatchObject({ written: 5, droppedInvalid: 2, dropped: 2, batches: 3 });
  });

  it('keeps a slow writer off the callers: enqueue returns at once while batches take 30 ms', async () => {
    const writer = fakeWriter(() => 30);
    const queue = new RecordQueue({ writer, batchSize: 10, flushIntervalMs: 1 });
    const t = performance.now();
    for (let i = 0; i < 50; i++) queue.enqueue(record());
    expect(performance.now() - t).toBeLessThan(250);
    expect(writer.batches).toHaveLength(0);
    await queue.close();
    expect(writer.batches.flat()).toHaveLength(50);
  });

  it('gives up on a hung writer at close after its timeout, counting what was left', async () => {
    const writer = fakeWriter(() => 'hang');
    const queue = new RecordQueue({ writer, batchSize: 2, flushIntervalMs: 1 });
    for (let i = 0; i < 5; i++) queue.enqueue(record());
    await queue.close(30);
    expect(queue.stats()).toMatchObject({ accepted: 5, written: 0, droppedClosed: 3, queued: 0 });
    expect(queue.enqueue(record())).toBe(false);
    expect(queue.stats().droppedClosed).toBe(4);
  });

  it('keeps records but drops their bodies past the body budget', async () => {
    const writer = fakeWriter();
    const queue = new RecordQueue({ writer, maxBodyChars: 25, flushIntervalMs: 60_000 });
    queue.enqueue(record({ id: 'b1', bodies: { request: 'x'.repeat(20) } }));
    queue.enqueue(record({ id: 'b2', bodies: { request: 'y'.repeat(20) } }));
    await queue.flush();
    queue.enqueue(record({ id: 'b3', bodies: { request: 'z'.repeat(20) } })); // budget freed by the flush
    await queue.close();
    expect(writer.batches.flat().map((r) => [r.id, r.bodies?.request?.length])).toEqual([
      ['b1', 20],
      ['b2', undefined],
      ['b3', 20],
    ]);
    expect(queue.stats().bodiesDropped).toBe(1);
  });

  it('accounts for every record whatever the writer does (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom<'ok' | 'throw' | 'reject' | 'partial' | number>('ok', 'throw', 'reject', 'partial', 0, 2), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.integer({ min: 0, max: 30 }), { minLength: 1, maxLength: 6 }),
        async (behaviours, capacity, batchSize, waves) => {
          const writer = fakeWriter((call) => behaviours[call % behaviours.length]!);
          const queue = new RecordQueue({ writer, capacity, batchSize, flushIntervalMs: 0 });
          let offered = 0;
          let acceptedByCaller = 0;
          for (const wave of waves) {
            for (let i = 0; i < wave; i++, offered++) if (queue.enqueue(record())) acceptedByCaller++;
            await sleep(1);
          }
          await queue.close();
          const s = queue.stats();
          expect(s.accepted).toBe(acceptedByCaller);
          expect(s.accepted + s.droppedFull).toBe(offered);
          expect(s.written + s.droppedWriteFailed + s.droppedInvalid + s.droppedClosed).toBe(s.accepted);
          expect(writer.batches.flat()).toHaveLength(s.written);
          expect(s.queued).toBe(0);
        },
      ),
      { numRuns: 40 },
    );
  });
});

describe('RecordQueue over a real SQLite store', () => {
  it('counts SQLITE_BUSY batches as dropped while another process holds the write lock, then writes again', async () => {
    const { dir, cleanup } = tempDir();
    const store = new SqliteRequestStore({ path: join(dir, 'busy.db'), busyTimeoutMs: 0 });
    const blocker = new Database(store.path);
    try {
      const errors: string[] = [];
      const queue = new RecordQueue({ writer: { write: (b) => void store.insertBatch(decodeRecords(b.bytes)) }, batchSize: 5, flushIntervalMs: 1, onWriteError: (e) => errors.push((e as { code: string }).code) });
      blocker.exec('BEGIN EXCLUSIVE');
      for (let i = 0; i < 10; i++) queue.enqueue(record());
      await queue.flush();
      blocker.exec('COMMIT');
      for (let i = 0; i < 10; i++) queue.enqueue(record());
      await queue.close();
      expect(errors).toEqual(['SQLITE_BUSY', 'SQLITE_BUSY']);
      expect(queue.stats()).toMatchObject({ written: 10, droppedWriteFailed: 10 });
      expect(store.count()).toBe(10);
    } finally {
      blocker.close();
      store.close();
      cleanup();
    }
  });
});
