/**
 * The request log's store, whichever engine holds it: the SQLite file (default, synchronous) or
 * PostgreSQL (`logging.postgres`, asynchronous). The log worker, the admin API and the CLI use only
 * this interface and await every call, so they never branch on the engine.
 */
import type { BodyLogging } from './record-sanitizer.js';
import type { PageRequest, RequestFilter, RequestPage } from './request-queries.js';
import type { RequestRecord } from './request-record.js';
import type { UsageQuery, UsageRow } from './usage-query.js';

export interface BatchResult {
  /** New records written. */
  inserted: number;
  /** Records that could not be stored; the rest of the batch was. */
  rejected: number;
}

/** A value now (SQLite) or later (PostgreSQL). */
export type Eventually<T> = T | Promise<T>;

export interface RequestStore {
  /** Where the log is, for messages: a file's path, or a PostgreSQL URL without its credentials. */
  readonly location: string;
  /**
   * Writes one batch atomically. A record that cannot be stored is skipped and counted as rejected; an
   * error of the database itself fails (throws or rejects) the whole batch. Records are sanitized
   * before this returns, so `addSecrets` after it does not reach them and before it does.
   */
  insertBatch(records: readonly RequestRecord[]): Eventually<BatchResult>;
  /** Removes these key values too from every record written from now on (a reloaded bundle's new keys). */
  addSecrets(values: Iterable<string>): void;
  listRequests(filter?: RequestFilter, page?: PageRequest): Eventually<RequestPage>;
  getRequest(id: string): Eventually<RequestRecord | undefined>;
  usage(query: UsageQuery): Eventually<UsageRow[]>;
  /** Deletes requests older than `cutoffMs` (retention) and returns how many. */
  deleteOlderThan(cutoffMs: number): Eventually<number>;
  /** Number of requests stored. */
  count(): Eventually<number>;
  /** Waits for writes in flight, then lets go of the database. */
  close(): Eventually<void>;
}

export interface RequestStoreOptions {
  /** The SQLite file (default `.anyrouter/anyrouter.db`); ignored with `postgres`. */
  path?: string;
  /** PostgreSQL instead of the SQLite file: the URL itself (read from the environment at serve time). */
  postgres?: { url: string };
  /** Provider key values: removed from every stored string. */
  secrets?: Iterable<string>;
  bodies?: Partial<BodyLogging>;
  /** SQLite: how long a write waits for another writer's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Open for reading only (the CLI): no migrations, no writes. */
  readonly?: boolean;
}

/** Opens the configured store; PostgreSQL's client is loaded only when it is the one configured. */
export async function openRequestStore(options: RequestStoreOptions): Promise<RequestStore> {
  if (options.postgres !== undefined) {
    const { PostgresRequestStore } = await import('./postgres-store.js');
    return PostgresRequestStore.open({ ...options, url: options.postgres.url });
  }
  const { SqliteRequestStore } = await import('./sqlite-store.js');
  return new SqliteRequestStore(options);
}

/** Whether a `--db` value names a PostgreSQL database rather than a file. */
export function isPostgresUrl(value: string): boolean {
  return /^postgres(ql)?:\/\//i.test(value);
}
