/**
 * The request log in PostgreSQL (`logging.postgres`): the same records and queries as the SQLite file,
 * shared by every gateway that has the same URL. It runs in the log worker thread like the SQLite store:
 * a batch becomes one INSERT of `unnest`ed column arrays (one statement, 29 parameters, whatever the
 * batch's size), while the record queue gathers the next batch. Opening applies the migrations.
 *
 * The URL holds credentials: it is never part of a message or an error from here (`location` is the
 * URL without them).
 */
import pg from 'pg';
import { StoreSanitizer, type BodyLogging } from './record-sanitizer.js';
import type { RequestRecord } from './request-record.js';
import { REQUEST_COLUMNS, requestRow, type RowValue } from './request-row.js';
import type { PageRequest, RequestFilter, RequestPage } from './request-queries.js';
import type { BatchResult, RequestStore } from './request-store.js';
import { getRequest, listRequests, usageReport } from './postgres-queries.js';
import { migratePostgres, schemaVersion } from './postgres-schema.js';
import type { UsageQuery, UsageRow } from './usage-query.js';

export interface PostgresStoreOptions {
  /** `postgres://user:password@host:port/database[?options=...]`. */
  url: string;
  /** Provider key values: removed from every stored string. */
  secrets?: Iterable<string>;
  bodies?: Partial<BodyLogging>;
  /** Open for reading only (the CLI): no migrations, no writes; fails when the database has no request log. */
  readonly?: boolean;
  /** Connections at most. Default 4: one batch is written at a time, the rest serve the admin API. */
  connections?: number;
  /** How long connecting may take. Default 5 s. */
  connectTimeoutMs?: number;
  /** A statement running longer fails (its batch is dropped and counted). Default 30 s. */
  statementTimeoutMs?: number;
}

/** The SQL type of each of REQUEST_COLUMNS, for its `unnest` array. */
const COLUMN_TYPES: Readonly<Record<(typeof REQUEST_COLUMNS)[number], string>> = {
  id: 'text', time: 'int8', gateway_key: 'text', app: 'text', app_title: 'text', app_source: 'text', app_version: 'text',
  app_referer: 'text', protocol: 'text', requested_model: 'text', preset: 'text', served_model: 'text', model: 'text',
  upstream: 'text', stream: 'int2', status: 'int4', error_class: 'text', failed: 'int2', latency_ms: 'float8', ttfb_ms: 'float8',
  prompt_tokens: 'int8', completion_tokens: 'int8', cached_tokens: 'int8', reasoning_tokens: 'int8', cost_nano_usd: 'int8',
  attempt_count: 'int4', request_body: 'text', response_body: 'text', attempts: 'text', end_user: 'text',
};

/** From a column array's element to the column: the row's 0/1 flags are booleans here, attempts jsonb. */
const COLUMN_VALUE: Partial<Record<(typeof REQUEST_COLUMNS)[number], (column: string) => string>> = {
  stream: (c) => `${c} <> 0`,
  failed: (c) => `${c} <> 0`,
  attempts: (c) => `${c}::jsonb`,
};

const INSERT_REQUESTS = `INSERT INTO requests (${REQUEST_COLUMNS.join(', ')})
  SELECT ${REQUEST_COLUMNS.map((name, i) => COLUMN_VALUE[name]?.(`c${i}`) ?? `c${i}`).join(', ')}
  FROM unnest(${REQUEST_COLUMNS.map((name, i) => `$${i + 1}::${COLUMN_TYPES[name]}[]`).join(', ')}) AS t(${REQUEST_COLUMNS.map((_, i) => `c${i}`).join(', ')})
  ON CONFLICT (id) DO NOTHING`;

/** bigint (int8) as a number: times, sequence numbers, token counts and nano-dollars stay far below 2^53. */
const INT8_OID = 20;
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => (oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format))) as typeof pg.types.getTypeParser,
};

export class PostgresRequestStore implements RequestStore {
  readonly location: string;
  private readonly sanitizer: StoreSanitizer;
  private readonly writes = new Set<Promise<unknown>>();
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly pool: pg.Pool,
    location: string,
    private readonly options: PostgresStoreOptions,
  ) {
    this.location = location;
    this.sanitizer = new StoreSanitizer(options);
  }

  /** Connects and applies the migrations (or, read-only, checks that the database has a request log). */
  static async open(options: PostgresStoreOptions): Promise<PostgresRequestStore> {
    const location = describePostgresUrl(options.url);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.connections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
      statement_timeout: options.statementTimeoutMs ?? 30_000,
      keepAlive: true,
      application_name: 'anyrouter',
      types: TYPES,
    });
    // an idle connection the server closed (a restart): the pool drops it and the next query reconnects
    pool.on('error', () => undefined);
    try {
      const client = await pool.connect();
      try {
        if (!options.readonly) await migratePostgres(client);
        else if ((await schemaVersion(client)) === 0) throw new Error('no request log in that database: start the gateway (anyrouter serve) with logging.postgres first');
      } finally {
        client.release();
      }
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw withoutCredentials(error, options.url, location);
    }
    return new PostgresRequestStore(pool, location, options);
  }

  /**
   * One INSERT for the batch. Records are sanitized and laid out here, before the first await, so a
   * later `addSecrets` never races them. A malformed record is rejected alone; when the database refuses
   * the batch's data (an invalid value), the records go one statement each so only the bad ones are
   * rejected; any other error (connection, timeout) fails the batch.
   */
  insertBatch(records: readonly RequestRecord[]): Promise<BatchResult> {
    if (this.options.readonly) return Promise.reject(new Error('request log opened read-only'));
    if (this.closing !== undefined) return Promise.reject(new Error('request log is closed'));
    const rows: RowValue[][] = [];
    let rejected = 0;
    for (const record of records) {
      try {
        rows.push(requestRow(this.sanitizer.sanitize(record)).map(withoutNul));
      } catch (error) {
        if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
        rejected++;
      }
    }
    return this.track(this.insertRows(rows, rejected));
  }

  addSecrets(values: Iterable<string>): void {
    this.sanitizer.addSecrets(values);
  }

  /** Deletes requests older than `cutoffMs` in statements of at most `batchSize`; returns the count. */
  async deleteOlderThan(cutoffMs: number, batchSize = 2000): Promise<number> {
    let total = 0;
    for (;;) {
      const { rowCount } = await this.pool.query('DELETE FROM requests WHERE seq IN (SELECT seq FROM requests WHERE time < $1 ORDER BY time LIMIT $2)', [cutoffMs, batchSize]);
      total += rowCount ?? 0;
      if ((rowCount ?? 0) < batchSize) return total;
    }
  }

  listRequests(filter: RequestFilter = {}, page: PageRequest = {}): Promise<RequestPage> {
    return listRequests(this.pool, filter, page);
  }

  getRequest(id: string): Promise<RequestRecord | undefined> {
    return getRequest(this.pool, id);
  }

  usage(query: UsageQuery): Promise<UsageRow[]> {
    return usageReport(this.pool, query);
  }

  async count(): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>('SELECT count(*) AS n FROM requests');
    return rows[0]?.n ?? 0;
  }

  async schemaVersion(): Promise<number> {
    return schemaVersion(this.pool);
  }

  /** Waits for the batches being written, then closes the connections. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.allSettled([...this.writes]);
      await this.pool.end();
    })();
    return this.closing;
  }

  private async insertRows(rows: readonly RowValue[][], rejected: number): Promise<BatchResult> {
    if (rows.length === 0) return { inserted: 0, rejected };
    try {
      return { inserted: await this.insert(rows), rejected };
    } catch (error) {
      if (!isDataError(error)) throw error;
    }
    const result: BatchResult = { inserted: 0, rejected };
    for (const row of rows) {
      try {
        result.inserted += await this.insert([row]);
      } catch (error) {
        if (!isDataError(error)) throw error;
        result.rejected++;
      }
    }
    return result;
  }

  /** Inserts rows in one statement; returns how many were new. */
  private async insert(rows: readonly RowValue[][]): Promise<number> {
    const columns = REQUEST_COLUMNS.map((_, i) => rows.map((row) => row[i] ?? null));
    const { rowCount } = await this.pool.query(INSERT_REQUESTS, columns);
    return rowCount ?? 0;
  }

  private track<T>(write: Promise<T>): Promise<T> {
    this.writes.add(write);
    const forget = () => this.writes.delete(write);
    write.then(forget, forget);
    return write;
  }
}

/** `postgres://host:port/database`: the URL without user, password or options, for messages. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

/** A data exception (class 22: a bad value) or an integrity violation (class 23) of one of the rows. */
function isDataError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/**
 * PostgreSQL's text and jsonb hold no NUL character (SQLite's do): it becomes U+FFFD, in the attempts
 * JSON its `\u0000` escape too (an escaped backslash before it is left alone).
 */
function withoutNul(value: RowValue): RowValue {
  if (typeof value !== 'string') return value;
  const plain = value.includes('\0') ? value.replaceAll('\0', '\uFFFD') : value;
  return plain.includes('\\u0000') ? plain.replace(/(?<!\\)((?:\\\\)*)\\u0000/g, '$1\\ufffd') : plain;
}

/** The error to report: its message with the URL and its password taken out, never the URL itself. */
function withoutCredentials(error: unknown, url: string, location: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  let password = '';
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    // an unparsable URL: node-postgres failed on it before using a password
  }
  let clean = message.split(url).join(location);
  if (password.length > 0) clean = clean.split(password).join('[redacted]');
  const out = new Error(`request log at ${location}: ${clean}`);
  out.name = 'RequestLogError';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') (out as Error & { code: string }).code = code;
  return out;
}
