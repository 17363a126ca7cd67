/** Messages between the gateway's main thread and the request-log worker thread. */
import type { AccessLogTarget } from './access-log.js';
import type { PageRequest, RequestFilter } from './request-queries.js';
import type { RequestStoreOptions } from './request-store.js';
import type { UsageQuery } from './usage-query.js';

/** `workerData` of the worker: the store's options (secrets as a plain array) and the access log's destination; either may be absent. */
export interface WorkerSinkOptions {
  store?: Omit<RequestStoreOptions, 'secrets' | 'readonly'> & { secrets: string[] };
  accessLog?: AccessLogTarget;
}

export type WorkerCall =
  /**
   * A batch of records in their binary form (record-codec.ts); its ArrayBuffer is transferred, not
   * copied. A structured clone of the records cost ~5 µs each on the event loop, their JSON ~2 µs.
   */
  | { op: 'write'; bytes: Uint8Array }
  /** Key values to remove from every record written from now on (a reloaded bundle's new keys). */
  | { op: 'addSecrets'; secrets: string[] }
  | { op: 'list'; filter: RequestFilter; page: PageRequest }
  | { op: 'get'; requestId: string }
  | { op: 'usage'; query: UsageQuery }
  | { op: 'deleteOlderThan'; cutoffMs: number }
  | { op: 'count' }
  | { op: 'close' };

export type WorkerRequest = WorkerCall & { id: number };

/** What crosses back for a failure: never a stack, which could quote a value. */
export interface WorkerError {
  name: string;
  message: string;
  code?: string;
}

export type WorkerReply =
  | { kind: 'ready'; path: string }
  | { kind: 'fatal'; error: WorkerError }
  | { kind: 'result'; id: number; ok: true; value: unknown }
  | { kind: 'result'; id: number; ok: false; error: WorkerError };

export function toWorkerError(error: unknown): WorkerError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { name: error.name, message: error.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

/**
 * An error from the worker, rebuilt on the main thread with its name (`SqliteError`,
 * `InvalidCursorError`, `RangeError` ...) and SQLite's code (such as SQLITE_BUSY).
 */
export class RequestLogError extends Error {
  readonly code: string | undefined;

  constructor(error: WorkerError) {
    super(error.message);
    this.name = error.name;
    this.code = error.code;
  }
}
