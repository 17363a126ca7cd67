/**
 * Where the request log's batches end up, on whichever thread owns it (the log worker by default):
 * each batch is decoded once, printed as access log lines, then stored (SQLite in one transaction, or
 * PostgreSQL in one statement). Either part may be off (`logging.enabled`, `logging.accessLog`).
 */
import { AccessLogWriter, type AccessLogTarget } from './access-log.js';
import { decodeRecords } from './record-codec.js';
import { openRequestStore, type BatchResult, type Eventually, type RequestStore, type RequestStoreOptions } from './request-store.js';

/** What writing a batch reports: the store's result, and the access log lines not printed so far. */
export type SinkResult = BatchResult & { accessLogDropped: number };

export interface LogSinkOptions {
  /** The store (the SQLite file, or PostgreSQL); absent when only the access log is on. */
  store?: Omit<RequestStoreOptions, 'readonly'>;
  /** The access log's destination; absent when it is off. */
  accessLog?: AccessLogTarget;
}

export class LogSink {
  private constructor(
    readonly store: RequestStore | undefined,
    readonly accessLog: AccessLogWriter | undefined,
  ) {}

  /** Opens the store (migrating it) and the access log's file. */
  static async open(options: LogSinkOptions): Promise<LogSink> {
    const store = options.store === undefined ? undefined : await openRequestStore(options.store);
    try {
      return new LogSink(store, options.accessLog === undefined ? undefined : new AccessLogWriter(options.accessLog));
    } catch (error) {
      await store?.close();
      throw error;
    }
  }

  /** Where the store is ('' without a store): a file's path, or a PostgreSQL URL without credentials. */
  get path(): string {
    return this.store?.location ?? '';
  }

  /**
   * One batch from the record queue: printed first (the access log never waits on the store), then
   * stored. Also says how many access log lines could not be printed so far. A PostgreSQL write
   * resolves later; its records were sanitized before this returned.
   */
  write(bytes: Uint8Array): Eventually<SinkResult> {
    const records = decodeRecords(bytes);
    this.accessLog?.write(records);
    const result = this.store === undefined ? { inserted: records.length, rejected: 0 } : this.store.insertBatch(records);
    return result instanceof Promise ? result.then((r) => this.withAccessLog(r)) : this.withAccessLog(result);
  }

  /** The store, for the admin API's and the CLI's queries; throws when the request log is off. */
  queries(): RequestStore {
    if (this.store === undefined) throw new Error('the request log is disabled (logging.enabled: false)');
    return this.store;
  }

  async close(): Promise<void> {
    try {
      this.accessLog?.close();
    } finally {
      await this.store?.close();
    }
  }

  private withAccessLog(result: BatchResult): SinkResult {
    return { ...result, accessLogDropped: this.accessLog?.dropped ?? 0 };
  }
}
