/**
 * The request log as the runtime uses it: start once, `record()` per request, `close()` on
 * shutdown. Wires the bounded queue to the log sink (the store and the access log, in a worker
 * thread by default) and the retention timer.
 */
import type { AccessLogTarget } from './access-log.js';
import { LogSink } from './log-sink.js';
import { RecordQueue, type RecordQueueOptions, type RecordQueueStats, type RecordWriter } from './record-queue.js';
import type { BodyLogging } from './record-sanitizer.js';
import type { RequestRecord } from './request-record.js';
import { startRetention, type RetentionSchedule } from './retention.js';
import { WorkerRequestLog, type RequestLogReader } from './worker-request-log.js';

export interface RequestLogOptions {
  /** Default `.anyrouter/anyrouter.db`. */
  path?: string;
  /** PostgreSQL instead of the SQLite file at `path` (`logging.postgres`, its URL already read from the environment). */
  postgres?: { url: string };
  /** Provider key values (read from the environment at serve time): never stored. */
  secrets?: Iterable<string>;
  /** `logging.bodies` and its cap and redaction. */
  bodies?: Partial<BodyLogging>;
  /** How long a write waits on another writer's lock before its batch fails (SQLITE_BUSY). Default 100 ms. */
  busyTimeoutMs?: number;
  /** Days of requests to keep; 0 keeps everything. Default 30. */
  retentionDays?: number;
  queue?: Omit<RecordQueueOptions, 'writer'>;
  /** False: no store, only the access log (`logging.enabled: false`); queries then fail. Default true. */
  store?: boolean;
  /** Also print each record as an access log line here (a file descriptor or a file), from the same thread. */
  accessLog?: AccessLogTarget;
  /** Where the store and the access log run: a worker thread (default) or the main thread (tools, tests). */
  thread?: 'worker' | 'main';
  /** Told about failed writes and purges (already counted); for a rate-limited log line. */
  onError?: (error: unknown) => void;
}

export interface RequestLog {
  /** Per request, after the response is done: O(1), never throws, never waits. False when dropped. */
  record(record: RequestRecord): boolean;
  /** Admin API queries. */
  readonly reader: RequestLogReader;
  /** The SQLite file's path, or the PostgreSQL URL without its credentials. */
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
  const storing = options.store !== false;
  const sink = {
    ...(storing ? { store: { path: options.path, postgres: options.postgres, secrets: options.secrets, bodies: options.bodies, busyTimeoutMs: options.busyTimeoutMs } } : {}),
    ...(options.accessLog !== undefined ? { accessLog: options.accessLog } : {}),
  };
  const backend = options.thread === 'main' ? mainThreadBackend(await LogSink.open(sink)) : await WorkerRequestLog.start(sink);
  const onError = options.onError;
  const queue = new RecordQueue({ ...options.queue, writer: backend, onWriteError: onError === undefined ? undefined : (error) => onError(error) });
  // without a store there is nothing to purge
  const retention: RetentionSchedule = startRetention(backend, { days: storing ? (options.retentionDays ?? DEFAULT_RETENTION_DAYS) : 0, onError });
  let closing: Promise<void> | undefined;
  return {
    record: (record) => queue.enqueue(record),
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

/** The sink on the calling thread, behind the same asynchronous reader as the worker. */
function mainThreadBackend(sink: LogSink): Backend {
  return {
    path: sink.path,
    write: (batch) => sink.write(batch.bytes),
    close: () => sink.close(),
    deleteOlderThan: (cutoffMs) => sink.queries().deleteOlderThan(cutoffMs),
    addSecrets: (values) => sink.store?.addSecrets(values),
    listRequests: async (filter, page) => sink.queries().listRequests(filter, page),
    getRequest: async (id) => sink.queries().getRequest(id),
    usage: async (query) => sink.queries().usage(query),
  };
}
