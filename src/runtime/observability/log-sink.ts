/**
 * Where the request log's batches end up, on whichever thread owns it (the log worker by default):
 * each batch is decoded once, printed as access log lines, then stored in SQLite in one transaction.
 * Either part may be off (`logging.enabled`, `logging.accessLog`).
 */
import { AccessLogWriter, type AccessLogTarget } from './access-log.js';
import { decodeRecords } from './record-codec.js';
import { SqliteRequestStore, type BatchResult, type SqliteStoreOptions } from './sqlite-store.js';

/** What writing a batch reports: the store's result, and the access log lines not printed so far. */
export type SinkResult = BatchResult & { accessLogDropped: number };

export interface LogSinkOptions {
  /** The SQLite store; absent when only the access log is on. */
  store?: Omit<SqliteStoreOptions, 'readonly'>;
  /** The access log's destination; absent when it is off. */
  accessLog?: AccessLogTarget;
}

export class LogSink {
  readonly store: SqliteRequestStore | undefined;
  readonly accessLog: AccessLogWriter | undefined;

  constructor(options: LogSinkOptions) {
    this.store = options.store === undefined ? undefined : new SqliteRequestStore(options.store);
    try {
      this.accessLog = options.accessLog === undefined ? undefined : new AccessLogWriter(options.accessLog);
    } catch (error) {
      this.store?.close();
      throw error;
    }
  }

  /** Absolute path of the database file ('' without a store). */
  get path(): string {
    return this.store?.path ?? '';
  }

  /**
   * One batch from the record queue: printed first (the access log never waits on the disk's
   * transaction), then stored. Also says how many access log lines could not be printed so far.
   */
  write(bytes: Uint8Array): SinkResult {
    const records = decodeRecords(bytes);
    this.accessLog?.write(records);
    const result = this.store === undefined ? { inserted: records.length, rejected: 0 } : this.store.insertBatch(records);
    return { ...result, accessLogDropped: this.accessLog?.dropped ?? 0 };
  }

  /** The store, for the admin API's and the CLI's queries; throws when the request log is off. */
  queries(): SqliteRequestStore {
    if (this.store === undefined) throw new Error('the request log is disabled (logging.enabled: false)');
    return this.store;
  }

  close(): void {
    try {
      this.accessLog?.close();
    } finally {
      this.store?.close();
    }
  }
}
