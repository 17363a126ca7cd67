/**
 * A bounded in-memory queue between the request path and the log writer (SQLite and the access log).
 *
 * It holds records in their binary form (record-codec.ts), written into the open batch's buffer as
 * they come: no JSON and no per-record object outlives the call, so nothing the queue holds is traced
 * or promoted by the young generation's collections, and a batch reaches the worker thread as one
 * transferred buffer.
 *
 * `enqueue` is O(1), never throws and never waits: a full queue drops the record and counts it.
 * Records are written in batches from a timer (or a setImmediate once a full batch is waiting),
 * one batch in flight at a time, one writer call (one transaction) per batch. A writer that throws,
 * rejects or hangs costs only the records it was given or that arrive while it hangs: they are
 * counted as dropped and the queue keeps going.
 */
import { RecordEncoder, type EncodedRecords } from './record-codec.js';
import type { RequestRecord } from './request-record.js';

/** What a writer may report about a batch it wrote. */
export interface WriteOutcome {
  /** Records of the batch that could not be stored (malformed); the others were. */
  rejected: number;
  /** Access log lines the writer could not print so far (stdout blocked or closed), a running total. */
  accessLogDropped?: number;
}

/** Where batches go: the SQLite store, a worker thread, or a fake in tests. */
export interface RecordWriter {
  /**
   * Writes one batch atomically (one transaction). Throwing or rejecting drops the batch. The batch's
   * buffer is the writer's from then on (it may transfer it to another thread).
   */
  write(batch: EncodedRecords): void | WriteOutcome | Promise<void | WriteOutcome>;
  close?(): void | Promise<void>;
}

export interface RecordQueueOptions {
  writer: RecordWriter;
  /** Records held at most; more are dropped. Default 10,000. */
  capacity?: number;
  /**
   * Records per writer call. Default 1024. Each call is a message to the log worker and back; fewer,
   * larger batches (1024 every 100 ms against 256 every 50 ms) took logging's cost to the gateway's
   * throughput from 4.7-4.8% to 3.1-3.5% (`npm run bench -- --only logging`).
   */
  batchSize?: number;
  /** How long a partial batch waits for company before it is written. Default 100 ms. */
  flushIntervalMs?: number;
  /**
   * Body characters held at most across queued records; past it a record is kept without its
   * bodies (counted in `bodiesDropped`). Default 32M.
   */
  maxBodyChars?: number;
  /** Told about each failed batch (for a rate-limited log line); its own errors are ignored. */
  onWriteError?: (error: unknown, droppedRecords: number) => void;
}

export interface RecordQueueStats {
  /** Records waiting now. */
  queued: number;
  accepted: number;
  written: number;
  /** droppedFull + droppedWriteFailed + droppedInvalid + droppedClosed. */
  dropped: number;
  /** The queue was full. */
  droppedFull: number;
  /** Their batch failed (SQLITE_BUSY, I/O error, a writer that threw). */
  droppedWriteFailed: number;
  /** The record itself was malformed: it could not be queued, or the store refused it (the rest of its batch was written). */
  droppedInvalid: number;
  /** Offered after close, or still queued when close gave up on a hung writer. */
  droppedClosed: number;
  /** Records kept without their bodies because the body budget was spent. */
  bodiesDropped: number;
  /** Access log lines not printed (stdout blocked or closed), as the writer last reported. */
  accessLogDropped: number;
  batches: number;
  failedBatches: number;
}

export class RecordQueue {
  private readonly writer: RecordWriter;
  private readonly capacity: number;
  private readonly batchSize: number;
  private readonly flushIntervalMs: number;
  private readonly maxBodyChars: number;
  private readonly onWriteError: ((error: unknown, dropped: number) => void) | undefined;

  /** Full batches waiting, oldest first, each `batchSize` records. */
  private sealed: SealedBatch[] = [];
  /** The batch records are written into now; fewer than `batchSize` records. */
  private open: OpenBatch | undefined;
  /** Bytes the last batch took: the next one starts at about that size and rarely has to grow. */
  private lastBatchBytes = 0;
  private size = 0;
  private bodyChars = 0;

  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private counts = { accepted: 0, written: 0, droppedFull: 0, droppedWriteFailed: 0, droppedInvalid: 0, droppedClosed: 0, bodiesDropped: 0, accessLogDropped: 0, batches: 0, failedBatches: 0 };

  constructor(options: RecordQueueOptions) {
    this.writer = options.writer;
    this.capacity = positiveInt(options.capacity, 10_000);
    this.batchSize = positiveInt(options.batchSize, 1024);
    this.flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 100);
    this.maxBodyChars = Math.max(0, options.maxBodyChars ?? 32 * 1024 * 1024);
    this.onWriteError = options.onWriteError;
  }

  /** Queues a record for writing; false when it was dropped. O(1); never throws. */
  enqueue(record: RequestRecord): boolean {
    try {
      if (this.closed) {
        this.counts.droppedClosed++;
        return false;
      }
      if (this.size >= this.capacity) {
        this.counts.droppedFull++;
        return false;
      }
      let chars = bodyLength(record);
      if (chars > 0 && this.bodyChars + chars > this.maxBodyChars) {
        chars = 0;
        this.counts.bodiesDropped++;
      }
      const open = (this.open ??= { encoder: new RecordEncoder(batchBytesHint(this.lastBatchBytes)), bodyChars: 0 });
      open.encoder.add(record, chars > 0); // a record it cannot write throws before it counts
      open.bodyChars += chars;
      this.bodyChars += chars;
      if (open.encoder.count >= this.batchSize) this.seal();
      this.size++;
      this.counts.accepted++;
      this.schedule();
      return true;
    } catch {
      this.counts.droppedInvalid++; // a record that cannot be written (a member of the wrong type)
      return false;
    }
  }

  stats(): RecordQueueStats {
    const c = this.counts;
    return { queued: this.size, ...c, dropped: this.dropped };
  }

  /** Records dropped so far, for the dropped-record metric. */
  get dropped(): number {
    const c = this.counts;
    return c.droppedFull + c.droppedWriteFailed + c.droppedInvalid + c.droppedClosed;
  }

  /** Writes everything queued now; resolves when the queue is empty or a write is hung past `timeoutMs`. */
  async flush(timeoutMs?: number): Promise<void> {
    this.cancelTimers();
    const done = this.drain('all');
    if (timeoutMs === undefined) return done;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  }

  /**
   * Stops accepting records, writes what is queued, then closes the writer. Waits at most
   * `timeoutMs` (default 5 s) for a hung writer; records still queued then are counted as dropped.
   */
  close(timeoutMs = 5_000): Promise<void> {
    this.closing ??= (async () => {
      this.closed = true;
      await this.flush(timeoutMs);
      this.counts.droppedClosed += this.size;
      this.clear();
      try {
        await this.writer.close?.();
      } catch (error) {
        this.report(error, 0);
      }
    })();
    return this.closing;
  }

  private schedule(): void {
    if (this.draining !== undefined) return; // the drain loop picks new records up
    if (this.size >= this.batchSize) {
      if (this.immediate === undefined) {
        this.immediate = setImmediate(() => {
          this.immediate = undefined;
          void this.drain('full');
        });
      }
    } else if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        void this.drain('due');
      }, this.flushIntervalMs);
      this.timer.unref();
    }
  }

  /**
   * Writes batches, one at a time, yielding to the event loop between them. `all` (flush, close) drains
   * to empty; `due` (the timer) writes what is there, then only full batches; `full` only full batches.
   * A partial batch left over waits for the timer: draining to empty whenever the timer fired kept a
   * steady trickle of records going out a few at a time, one writer round trip after another.
   */
  private drain(mode: 'all' | 'due' | 'full'): Promise<void> {
    if (this.draining !== undefined) {
      // a drain is running; when asked for everything, run again after it
      return mode === 'all' ? this.draining.then(() => this.drain('all')) : this.draining;
    }
    const run = async (): Promise<void> => {
      let first = mode !== 'full';
      while (this.size > 0 && (mode === 'all' || first || this.size >= this.batchSize)) {
        first = false;
        const batch = this.take();
        const count = batch.count;
        try {
          const outcome = await this.writer.write(batch);
          const rejected = outcome ? Math.min(count, Math.max(0, outcome.rejected)) : 0;
          this.counts.written += count - rejected;
          this.counts.droppedInvalid += rejected;
          if (outcome?.accessLogDropped !== undefined) this.counts.accessLogDropped = Math.max(this.counts.accessLogDropped, outcome.accessLogDropped);
          this.counts.batches++;
        } catch (error) {
          this.counts.droppedWriteFailed += count;
          this.counts.failedBatches++;
          this.report(error, count);
        }
        if (this.size > 0) await new Promise<void>((resolve) => setImmediate(resolve));
      }
    };
    this.draining = run().finally(() => {
      this.draining = undefined;
      if (this.size > 0 && !this.closed) this.schedule();
    });
    return this.draining;
  }

  /** The oldest full batch, else the open one; the queue has records. */
  private take(): EncodedRecords {
    if (this.sealed.length === 0) this.seal();
    const { records, bodyChars } = this.sealed.shift()!;
    this.size -= records.count;
    this.bodyChars -= bodyChars;
    return records;
  }

  private seal(): void {
    const open = this.open;
    if (open === undefined || open.encoder.count === 0) return;
    this.open = undefined;
    const records = open.encoder.finish();
    this.lastBatchBytes = records.bytes.byteLength;
    this.sealed.push({ records, bodyChars: open.bodyChars });
  }

  private clear(): void {
    this.sealed = [];
    this.open = undefined;
    this.size = 0;
    this.bodyChars = 0;
  }

  private cancelTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private report(error: unknown, dropped: number): void {
    try {
      this.onWriteError?.(error, dropped);
    } catch {
      // a failing error hook must not stop the queue
    }
  }
}

interface OpenBatch {
  encoder: RecordEncoder;
  bodyChars: number;
}

interface SealedBatch {
  records: EncodedRecords;
  /** Body characters of its records, counted against `maxBodyChars` until it is written. */
  bodyChars: number;
}

/** Where a new batch's buffer starts: a little over the last batch, within 16 KB to 1 MB (bodies can make one batch huge). */
function batchBytesHint(lastBatchBytes: number): number {
  return Math.min(Math.max(Math.ceil(lastBatchBytes * 1.25), 16 * 1024), 1024 * 1024);
}

function bodyLength(record: RequestRecord): number {
  const b = record.bodies;
  return b === undefined ? 0 : (b.request?.length ?? 0) + (b.response?.length ?? 0);
}

function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}
