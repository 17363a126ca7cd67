/**
 * The request log as the runtime uses it: start once, `record()` per request, `close()` on
 * shutdown. Wires the bounded queue to the SQLite store (in a worker thread by default) and the
 * retention timer.
 */
import { RecordQueue, type RecordQueueOptions, type RecordQueueStats, type RecordWriter } from './record-queue.js';
import type { BodyLogging } from './record-sanitizer.js';
import { parseRecordJson, type RecordJson } from './record-json.js';
import type { RequestRecord } from './request-record.js';
import { startRetention, type RetentionSchedule } from './retention.js';
import { SqliteRequestStore } from './sqlite-store.js';
import { WorkerRequestLog, type RequestLogReader } from './worker-request-log.js';

export interface RequestLogOptions {
  /** Default `.anyrouter/anyrouter.db`. */
  path?: string;
  /** Provider key values (read from the environment at serve time): never stored. */
  secrets?: Iterable<string>;
  /** `logging.bodies` and its cap and redaction. */
  bodies?: Partial<BodyLogging>;
  /** How long a write waits on another writer's lock before its batch fails (SQLITE_BUSY). Default 100 ms. */
  busyTimeoutMs?: number;
  /** Days of requests to keep; 0 keeps everything. Default 30. */
  retentionDays?: number;
  queue?: Omit<RecordQueueOptions, 'writer'>;
  /** Where SQLite runs: a worker thread (default) or the main thread (tools, tests). */
  thread?: 'worker' | 'main';
  /** Told about failed writes and purges (already counted); for a rate-limited log line. */
  onError?: (error: unknown) => void;
}

export interface RequestLog {
  /**
   * Per request, after the response is done: O(1), never throws, never waits. False when dropped.
   * `json` is the record's `recordJson` when the caller made it already.
   */
  record(record: RequestRecord, json?: RecordJson): boolean;
  /** Admin API queries. */
  readonly reader: RequestLogReader;
  readonly path: string;
  /** Queue counters; `dropped` feeds the dropped-record metric. */
  stats(): RecordQueueStats;
  /**
   * Removes these key values too from every record written after this call (a reloaded bundle's new
   * keys): the call reaches the store in order with the batches, and records still queued go after it.
   */
  addSecrets(values: Iterable<string>): Promise<void>;
  /** Purges old requests now (it also runs hourly). */
  purge(): Promise<number>;
  /** Writes what is queued, stops the timers, closes the database. */
  close(): Promise<void>;
}

export const DEFAULT_RETENTION_DAYS = 30;

export async function startRequestLog(options: RequestLogOptions = {}): Promise<RequestLog> {
  const storeOptions = { path: options.path, secrets: options.secrets, bodies: options.bodies, busyTimeoutMs: options.busyTimeoutMs };
  const backend = options.thread === 'main' ? mainThreadBackend(new SqliteRequestStore(storeOptions)) : await WorkerRequestLog.start(storeOptions);
  const onError = options.onError;
  const queue = new RecordQueue({ ...options.queue, writer: backend, onWriteError: onError === undefined ? undefined : (error) => onError(error) });
  const retention: RetentionSchedule = startRetention(backend, { days: options.retentionDays ?? DEFAULT_RETENTION_DAYS, onError });
  let closing: Promise<void> | undefined;
  return {
    record: (record, json) => queue.enqueue(record, json),
    reader: backend,
    path: backend.path,
    stats: () => queue.stats(),
    addSecrets: async (values) => backend.addSecrets(values),
    purge: () => retention.runNow(),
    close() {
      closing ??= (async () => {
        retention.stop();
        await queue.close(); // flushes, then closes the backend
      })();
      return closing;
    },
  };
}

type Backend = RecordWriter &
  RequestLogReader & { readonly path: string; deleteOlderThan(cutoffMs: number): number | Promise<number>; addSecrets(values: Iterable<string>): void | Promise<void> };

/** The store on the calling thread, behind the same asynchronous reader as the worker. */
function mainThreadBackend(store: SqliteRequestStore): Backend {
  return {
    path: store.path,
    write: (batch) => store.insertBatch(batch.map(parseRecordJson)),
    close: () => store.close(),
    deleteOlderThan: (cutoffMs) => store.deleteOlderThan(cutoffMs),
    addSecrets: (values) => store.addSecrets(values),
    listRequests: async (filter, page) => store.listRequests(filter, page),
    getRequest: async (id) => store.getRequest(id),
    usage: async (query) => store.usage(query),
  };
}
