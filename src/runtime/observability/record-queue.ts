/**
 * A bounded in-memory queue between the request path and the request log.
 *
 * It holds each record as its JSON text, made once per request (and shared with the access log
 * line): a string survives the young generation's collections at the cost of one copy, where the
 * record's objects would be promoted and traced until their batch is written.
 *
 * `enqueue` is O(1), never throws and never waits: a full queue drops the record and counts it.
 * Records are written in batches from a timer (or a setImmediate once a full batch is waiting),
 * one batch in flight at a time, one writer call (one transaction) per batch. A writer that throws,
 * rejects or hangs costs only the records it was given or that arrive while it hangs: they are
 * counted as dropped and the queue keeps going.
 */
import { recordJson, type RecordJson } from './record-json.js';
import type { RequestRecord } from './request-record.js';

/** What a writer may report about a batch it wrote. */
export interface WriteOutcome {
  /** Records of the batch that could not be stored (malformed); the others were. */
  rejected: number;
}

/** Where batches go: the SQLite store, a worker thread, or a fake in tests. */
export interface RecordWriter {
  /** Writes one batch (records as JSON) atomically (one transaction). Throwing or rejecting drops the batch. */
  write(batch: readonly RecordJson[]): void | WriteOutcome | Promise<void | WriteOutcome>;
  close?(): void | Promise<void>;
}

export interface RecordQueueOptions {
  writer: RecordWriter;
  /** Records held at most; more are dropped. Default 10,000. */
  capacity?: number;
  /** Records per writer call. Default 256. */
  batchSize?: number;
  /** How long a partial batch waits for company before it is written. Default 50 ms. */
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
  /** The store refused the record itself (malformed); the rest of its batch was written. */
  droppedInvalid: number;
  /** Offered after close, or still queued when close gave up on a hung writer. */
  droppedClosed: number;
  /** Records kept without their bodies because the body budget was spent. */
  bodiesDropped: number;
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

  private readonly ring: Array<RecordJson | undefined>;
  /** Body characters of the record in the same slot of `ring` (0 for most). */
  private readonly ringBodyChars: Float64Array;
  private head = 0;
  private size = 0;
  private bodyChars = 0;

  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private draining: Promise<void> | undefined;
  private closed = false;
  private closing: Promise<void> | undefined;

  private counts = { accepted: 0, written: 0, droppedFull: 0, droppedWriteFailed: 0, droppedInvalid: 0, droppedClosed: 0, bodiesDropped: 0, batches: 0, failedBatches: 0 };

  constructor(options: RecordQueueOptions) {
    this.writer = options.writer;
    this.capacity = positiveInt(options.capacity, 10_000);
    this.batchSize = positiveInt(options.batchSize, 256);
    this.flushIntervalMs = Math.max(0, options.flushIntervalMs ?? 50);
    this.maxBodyChars = Math.max(0, options.maxBodyChars ?? 32 * 1024 * 1024);
    this.onWriteError = options.onWriteError;
    this.ring = new Array<RecordJson | undefined>(this.capacity);
    this.ringBodyChars = new Float64Array(this.capacity);
  }

  /**
   * Queues a record for writing; false when it was dropped. O(1); never throws. `json` is the
   * record's `recordJson` when the caller already made it (for the access log).
   */
  enqueue(record: RequestRecord, json?: RecordJson): boolean {
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
      // recordJson leaves the bodies out: a record keeping its bodies is serialized whole
      const item = chars > 0 ? JSON.stringify(record) : (json ?? recordJson(record));
      const slot = (this.head + this.size) % this.capacity;
      this.ring[slot] = item;
      this.ringBodyChars[slot] = chars;
      this.bodyChars += chars;
      this.size++;
      this.counts.accepted++;
      this.schedule();
      return true;
    } catch {
      this.counts.droppedFull++;
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
        const batch = this.take(this.batchSize);
        try {
          const outcome = await this.writer.write(batch);
          const rejected = outcome ? Math.min(batch.length, Math.max(0, outcome.rejected)) : 0;
          this.counts.written += batch.length - rejected;
          this.counts.droppedInvalid += rejected;
          this.counts.batches++;
        } catch (error) {
          this.counts.droppedWriteFailed += batch.length;
          this.counts.failedBatches++;
          this.report(error, batch.length);
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

  private take(n: number): RecordJson[] {
    const count = Math.min(n, this.size);
    const batch = new Array<RecordJson>(count);
    for (let i = 0; i < count; i++) {
      const index = (this.head + i) % this.capacity;
      batch[i] = this.ring[index]!;
      this.ring[index] = undefined;
      this.bodyChars -= this.ringBodyChars[index]!;
    }
    this.head = (this.head + count) % this.capacity;
    this.size -= count;
    return batch;
  }

  private clear(): void {
    this.ring.fill(undefined);
    this.ringBodyChars.fill(0);
    this.head = 0;
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

function bodyLength(record: RequestRecord): number {
  const b = record.bodies;
  return b === undefined ? 0 : (b.request?.length ?? 0) + (b.response?.length ?? 0);
}

function positiveInt(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value >= 1 ? Math.floor(value) : fallback;
}
