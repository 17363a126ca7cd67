/**
 * The request log: one SQLite file (WAL) holding requests and their attempts.
 * better-sqlite3 is synchronous; this class never runs on the request path. The record queue calls
 * `insertBatch` from a timer, the admin API and CLI call the queries.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { usdToNano } from './cost.js';
import { createRecordSanitizer, type BodyLogging, type RecordSanitizer } from './record-sanitizer.js';
import { appName, isFailed, recordModel, type AttemptTrace, type RequestRecord } from './request-record.js';
import { getRequest, listRequests, type RequestFilter, type RequestPage, type PageRequest } from './request-queries.js';
import { migrate } from './sqlite-schema.js';
import { usageReport, type UsageQuery, type UsageRow } from './usage-query.js';

export const DEFAULT_DB_PATH = '.anyrouter/anyrouter.db';
/** Page cache of the writing connection, in KiB (measured: ~14 MB less RSS under load than the 16 MB default). */
const CACHE_KIB = 4000;

export interface BatchResult {
  /** New records written. */
  inserted: number;
  /** Records that could not be stored; the rest of the batch was. */
  rejected: number;
}

export interface SqliteStoreOptions {
  /** Database file; default `.anyrouter/anyrouter.db` (relative to the working directory). Parent folders are created. */
  path?: string;
  /** Provider key values: removed from every stored string. */
  secrets?: Iterable<string>;
  bodies?: Partial<BodyLogging>;
  /** How long a write waits for another writer's lock before failing with SQLITE_BUSY. */
  busyTimeoutMs?: number;
  /** Open for reading only (the CLI); no migrations, no writes. */
  readonly?: boolean;
}

/** The columns one request is written to, in the order `requestRow` gives their values. */
const REQUEST_COLUMNS = [
  'id', 'time', 'gateway_key', 'app', 'app_title', 'app_source', 'app_version', 'app_referer', 'protocol',
  'requested_model', 'preset', 'served_model', 'model', 'upstream', 'stream', 'status', 'error_class', 'failed',
  'latency_ms', 'ttfb_ms', 'prompt_tokens', 'completion_tokens', 'cached_tokens', 'reasoning_tokens',
  'cost_nano_usd', 'attempt_count', 'request_body', 'response_body', 'attempts', 'user',
] as const;

const INSERT_REQUEST = `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')})
  VALUES (${REQUEST_COLUMNS.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`;

export class SqliteRequestStore {
  readonly path: string;
  private readonly db: Database.Database;
  private sanitize: RecordSanitizer;
  private readonly secrets: Set<string>;
  private readonly bodies: Partial<BodyLogging> | undefined;
  private readonly insertMany: ((records: readonly RequestRecord[]) => BatchResult) | undefined;

  constructor(options: SqliteStoreOptions = {}) {
    this.path = resolve(options.path ?? DEFAULT_DB_PATH);
    this.secrets = new Set(options.secrets ?? []);
    this.bodies = options.bodies;
    this.sanitize = createRecordSanitizer({ secrets: this.secrets, bodies: this.bodies });
    if (options.readonly) {
      this.db = new Database(this.path, { readonly: true, fileMustExist: true });
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 1000))}`);
      return;
    }
    mkdirSync(dirname(this.path), { recursive: true });
    this.db = new Database(this.path);
    try {
      this.db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 100))}`);
      this.db.pragma('journal_mode = WAL');
      // WAL + NORMAL: commits do not fsync; a power cut may lose the last batches, never corrupts
      this.db.pragma('synchronous = NORMAL');
      this.db.pragma('foreign_keys = ON');
      // 4 MB of page cache, not better-sqlite3's 16 MB: the gateway's RSS counts it, and inserts touch
      // the tails of the time-ordered indexes; pages read again come from the OS's file cache
      this.db.pragma(`cache_size = -${CACHE_KIB}`);
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }
    const insertRequest = this.db.prepare(INSERT_REQUEST);
    // one statement a request, its values bound by position (binding by name looked each one up)
    const insert = (raw: RequestRecord): boolean => insertRequest.run(requestRow(this.sanitize(raw))).changes > 0;
    const fast = this.db.transaction((records: readonly RequestRecord[]): BatchResult => {
      let inserted = 0;
      for (const record of records) if (insert(record)) inserted++;
      return { inserted, rejected: 0 };
    });
    // Only after a bad record: a savepoint per record (about 25 us each) so it rolls back alone.
    const insertOne = this.db.transaction(insert);
    const careful = this.db.transaction((records: readonly RequestRecord[]): BatchResult => {
      const result: BatchResult = { inserted: 0, rejected: 0 };
      for (const record of records) {
        try {
          if (insertOne(record)) result.inserted++;
        } catch (error) {
          if (!isRecordError(error)) throw error;
          result.rejected++;
        }
      }
      return result;
    });
    this.insertMany = (records) => {
      try {
        return fast(records);
      } catch (error) {
        if (!isRecordError(error)) throw error; // busy, I/O, full disk: the whole batch fails
        return careful(records);
      }
    };
  }

  /**
   * Writes records in one transaction. A record that cannot be stored (malformed, violating a
   * constraint) is skipped and counted as rejected; an error of the database itself (SQLITE_BUSY,
   * I/O, full disk) fails the whole batch and is thrown.
   */
  insertBatch(records: readonly RequestRecord[]): BatchResult {
    if (this.insertMany === undefined) throw new Error('request log opened read-only');
    return this.insertMany(records);
  }

  /** Removes these key values too from every record written from now on (a reloaded bundle's new keys). */
  addSecrets(values: Iterable<string>): void {
    const before = this.secrets.size;
    for (const value of values) if (value !== '') this.secrets.add(value);
    if (this.secrets.size !== before) this.sanitize = createRecordSanitizer({ secrets: this.secrets, bodies: this.bodies });
  }

  /**
   * Deletes requests (and their attempts) older than `cutoffMs`, in transactions of at most
   * `batchSize` requests so a large purge never holds the write lock for long. Returns the count.
   */
  deleteOlderThan(cutoffMs: number, batchSize = 2000): number {
    const step = this.db.prepare('DELETE FROM requests WHERE seq IN (SELECT seq FROM requests WHERE time < ? ORDER BY time LIMIT ?)');
    let total = 0;
    for (;;) {
      const { changes } = step.run(cutoffMs, batchSize);
      total += changes;
      if (changes < batchSize) return total;
    }
  }

  listRequests(filter: RequestFilter = {}, page: PageRequest = {}): RequestPage {
    return listRequests(this.db, filter, page);
  }

  getRequest(id: string): RequestRecord | undefined {
    return getRequest(this.db, id);
  }

  usage(query: UsageQuery): UsageRow[] {
    return usageReport(this.db, query);
  }

  /** Number of requests stored (for tests and health output). */
  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM requests').get() as { n: number }).n;
  }

  /** Folds the WAL into the main file (what a clean shutdown does anyway). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  get open(): boolean {
    return this.db.open;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}

type SqlValue = string | number | bigint | null;

/** Errors of one record, as opposed to errors of the database. */
function isRecordError(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^SQLITE_(CONSTRAINT|MISMATCH|TOOBIG|RANGE)/.test(code);
}

/** The attempts column: a JSON array, one object an attempt, keyed as the columns of the table it replaced. */
function attemptsJson(attempts: readonly AttemptTrace[]): string {
  if (!Array.isArray(attempts)) throw new TypeError('attempts must be an array');
  return JSON.stringify(
    attempts.map((a) => ({
      upstream: text(a.upstream, 'upstream'),
      provider: text(a.provider, 'provider'),
      upstream_model: text(a.upstreamModel, 'upstreamModel'),
      key_name: text(a.keyName, 'keyName'),
      key_tier: text(a.keyTier, 'keyTier'),
      outcome: text(a.outcome, 'outcome'),
      status: a.status,
      error_class: a.errorClass,
      started_at: Math.round(number(a.startedAt, 'startedAt')),
      latency_ms: number(a.latencyMs, 'latencyMs'),
      ttfb_ms: a.ttfbMs,
      routing: a.routing,
      next_because: a.nextBecause,
    })),
  );
}

/** A malformed attempt rejects its record, as a NOT NULL column would. */
function text(value: unknown, field: string): string {
  if (typeof value !== 'string') throw new TypeError(`attempt ${field} must be a string`);
  return value;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new TypeError(`attempt ${field} must be a number`);
  return value;
}

function requestRow(r: RequestRecord): SqlValue[] {
  const last = r.attempts[r.attempts.length - 1];
  const tokens = r.tokens;
  return [
    r.id,
    Math.round(r.time),
    r.gatewayKey ?? null,
    appName(r.app) ?? null,
    r.app.title ?? null,
    r.app.source ?? null,
    r.app.version ?? null,
    r.app.referer ?? null,
    r.protocol,
    r.requestedModel,
    r.preset ?? null,
    r.servedModel ?? null,
    recordModel(r),
    last?.upstream ?? null,
    r.stream ? 1 : 0,
    r.status,
    r.errorClass ?? null,
    isFailed(r) ? 1 : 0,
    r.latencyMs,
    r.ttfbMs ?? null,
    tokens?.prompt ?? null,
    tokens?.completion ?? null,
    tokens?.cached ?? null,
    tokens?.reasoning ?? null,
    r.costUsd === undefined ? null : usdToNano(r.costUsd),
    r.attempts.length,
    r.bodies?.request ?? null,
    r.bodies?.response ?? null,
    attemptsJson(r.attempts),
    r.user ?? null,
  ];
}
