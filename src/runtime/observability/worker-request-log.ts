/**
 * The request log in a worker thread: the main thread only posts batches (one transferred buffer of
 * binary records) and awaits answers; the access log's lines and the SQLite work (sanitizing,
 * inserting, queries, retention) run on the worker. Calls are served in order, one at a time.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LogSinkOptions, SinkResult } from './log-sink.js';
import type { EncodedRecords } from './record-codec.js';
import type { RecordWriter } from './record-queue.js';
import type { RequestRecord } from './request-record.js';
import type { PageRequest, RequestFilter, RequestPage } from './request-queries.js';
import type { UsageQuery, UsageRow } from './usage-query.js';
import { RequestLogError, type WorkerCall, type WorkerReply, type WorkerSinkOptions } from './worker-protocol.js';

/** The queries the admin API and CLI need, whichever thread serves them. */
export interface RequestLogReader {
  listRequests(filter?: RequestFilter, page?: PageRequest): Promise<RequestPage>;
  getRequest(id: string): Promise<RequestRecord | undefined>;
  usage(query: UsageQuery): Promise<UsageRow[]>;
}

export interface WorkerRequestLogOptions extends LogSinkOptions {
  /** How long to wait for the worker to open the database. Default 10 s. */
  startTimeoutMs?: number;
}

const CLOSE_WAIT_MS = 2_000;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class WorkerRequestLog implements RecordWriter, RequestLogReader {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | undefined;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly worker: Worker,
    /** Absolute path of the database file ('' when only the access log is on). */
    readonly path: string,
  ) {
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind !== 'result') return;
      const call = this.pending.get(reply.id);
      if (call === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0 && this.closing === undefined) worker.unref();
      if (reply.ok) call.resolve(reply.value);
      else call.reject(new RequestLogError(reply.error));
    });
    const stop = (why: string) => {
      this.stopped ??= new RequestLogError({ name: 'RequestLogError', message: why });
      for (const call of this.pending.values()) call.reject(this.stopped);
      this.pending.clear();
    };
    // the error itself is not kept: its stack is of no use to a caller and is never logged from here
    worker.on('error', () => stop('request log worker failed'));
    worker.on('exit', () => stop('request log worker stopped'));
    // keeps the process alive only while a call is pending, like a socket with a request out
    worker.unref();
  }

  /** Starts the worker and waits until the database is open and migrated and the access log's file is open. */
  static start(options: WorkerRequestLogOptions = {}): Promise<WorkerRequestLog> {
    const { startTimeoutMs = 10_000, store, accessLog } = options;
    const data: WorkerSinkOptions = {};
    if (store !== undefined) data.store = { ...store, secrets: [...(store.secrets ?? [])] };
    if (accessLog !== undefined) data.accessLog = accessLog;
    const worker = spawnWorker(data);
    return new Promise((resolve, reject) => {
      // remove only our own listeners: Worker keeps internal ones that deliver messages
      const detach = () => {
        clearTimeout(timer);
        worker.off('error', onError);
        worker.off('exit', onExit);
        worker.off('message', onMessage);
      };
      const fail = (message: string) => {
        detach();
        void worker.terminate();
        reject(new RequestLogError({ name: 'RequestLogError', message }));
      };
      const onError = () => fail('request log worker failed to start');
      const onExit = () => fail('request log worker exited while starting');
      const onMessage = (reply: WorkerReply) => {
        detach();
        if (reply.kind === 'ready') resolve(new WorkerRequestLog(worker, reply.path));
        else {
          void worker.terminate();
          reject(new RequestLogError(reply.kind === 'fatal' ? reply.error : { name: 'RequestLogError', message: 'unexpected message from request log worker' }));
        }
      };
      const timer = setTimeout(() => fail('request log worker did not start in time'), startTimeoutMs);
      worker.on('error', onError);
      worker.on('exit', onExit);
      worker.on('message', onMessage);
    });
  }

  write(batch: EncodedRecords): Promise<SinkResult> {
    // the buffer moves to the worker without a copy; the queue lets go of it
    return this.call({ op: 'write', bytes: batch.bytes }, [batch.bytes.buffer as ArrayBuffer]) as Promise<SinkResult>;
  }

  /** Posted in order with the batches: every batch posted after it is scrubbed of these values too. */
  async addSecrets(values: Iterable<string>): Promise<void> {
    await this.call({ op: 'addSecrets', secrets: [...values] });
  }

  listRequests(filter: RequestFilter = {}, page: PageRequest = {}): Promise<RequestPage> {
    return this.call({ op: 'list', filter, page }) as Promise<RequestPage>;
  }

  async getRequest(id: string): Promise<RequestRecord | undefined> {
    return ((await this.call({ op: 'get', requestId: id })) as RequestRecord | null | undefined) ?? undefined;
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return this.call({ op: 'usage', query }) as Promise<UsageRow[]>;
  }

  deleteOlderThan(cutoffMs: number): Promise<number> {
    return this.call({ op: 'deleteOlderThan', cutoffMs }) as Promise<number>;
  }

  count(): Promise<number> {
    return this.call({ op: 'count' }) as Promise<number>;
  }

  /**
   * Closes the database after the calls already posted, then ends the worker. Waits at most a few
   * seconds for a worker stuck on a blocked disk, then lets go of it so the process can exit.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.stopped === undefined) {
        const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
        this.worker.ref();
        this.call({ op: 'close' }).catch(() => undefined); // the worker exits once the database is closed
        await Promise.race([exited, delay(CLOSE_WAIT_MS)]);
      }
      this.worker.unref();
      await Promise.race([this.worker.terminate(), delay(CLOSE_WAIT_MS)]);
    })();
    return this.closing;
  }

  private call(call: WorkerCall, transfer?: ArrayBuffer[]): Promise<unknown> {
    if (this.stopped !== undefined) return Promise.reject(this.stopped);
    if (this.closing !== undefined && call.op !== 'close') return Promise.reject(new RequestLogError({ name: 'RequestLogError', message: 'request log is closed' }));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...call, id }, transfer);
    });
  }
}

/**
 * The worker runs the compiled `request-log-worker.js` next to this file; when this file is the
 * TypeScript source (tests, `tsx`), it runs the `.ts` entry through tsx's loader.
 */
/** The worker only decodes batches, prints them and moves them into SQLite: a small heap keeps the gateway's RSS down (its young generation defaults to tens of MB). */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64 };

function spawnWorker(data: WorkerSinkOptions): Worker {
  const self = import.meta.url;
  if (!self.endsWith('.ts')) return new Worker(new URL('./request-log-worker.js', self), { workerData: data, resourceLimits: WORKER_LIMITS });
  const entry = new URL('./request-log-worker.ts', self).href;
  const tsxApi = pathToFileURL(createRequire(self).resolve('tsx/esm/api').replace(/\.cjs$/, '.mjs')).href;
  const bootstrap = `import(${JSON.stringify(tsxApi)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(bootstrap, { eval: true, workerData: data });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
