/**
 * Usage aggregation over the request log: requests, tokens, cost, error rate and latency
 * percentiles per group and time bucket, computed in one SQL statement, the same in SQLite
 * (sqlite-queries.ts) and PostgreSQL (postgres-queries.ts) but for a few functions.
 *
 * Percentiles use the nearest-rank definition: p-th percentile of n sorted latencies is the value
 * at 1-based rank ceil(p/100 * n) (so p50 of [10, 20, 30, 40] is 20, p99 of 100 values is the 99th).
 */
import { nanoToUsd } from './cost.js';

export type UsageGroupBy = 'model' | 'key' | 'app' | 'user' | 'upstream';
export const USAGE_GROUPS: readonly UsageGroupBy[] = ['model', 'key', 'app', 'user', 'upstream'];
export type UsageBucket = 'hour' | 'day';

export interface UsageQuery {
  /** Default: no grouping (one group, `group: null`). */
  groupBy?: UsageGroupBy;
  /** UTC hours or days; default: one bucket for the whole range. */
  bucket?: UsageBucket;
  /** Inclusive, ms. */
  from?: number;
  /** Exclusive, ms. */
  to?: number;
}

export interface UsageRow {
  /** Start of the UTC hour or day (ms); absent without a bucket. */
  bucketStart?: number;
  /**
   * The model (served, else requested), gateway key name, app name, end user, or upstream of the last
   * attempt; null for requests without one (no app attribution, no attempt made).
   */
  group: string | null;
  requests: number;
  failed: number;
  /** failed / requests. */
  errorRate: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  costUsd: number;
  p50LatencyMs: number;
  p99LatencyMs: number;
}

const GROUP_COLUMN: Record<UsageGroupBy, string> = { model: 'model', key: 'gateway_key', app: 'app', user: 'end_user', upstream: 'upstream' };
const BUCKET_MS: Record<UsageBucket, number> = { hour: 3_600_000, day: 86_400_000 };

/** A row of the usage statement. */
export interface UsageSqlRow {
  bucket: number;
  grp: string | null;
  requests: number;
  failed: number;
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
  cost: number;
  p50: number;
  p99: number;
}

/** What the usage statement differs in between the stores. */
export interface UsageDialect {
  placeholder(n: number): string;
  /** The sum of a nullable numeric column as a number, 0 over no values (SQLite's TOTAL). */
  total(column: string): string;
  /** The number of failed requests (a sum over the `failed` column). */
  failedCount: string;
  /** The group column ordered by code point, as SQLite's BINARY collation does. */
  groupOrder: string;
}

/** The usage statement and its values; throws RangeError for an unknown group or bucket. */
export function usageSql(query: UsageQuery, dialect: UsageDialect): { sql: string; params: number[] } {
  const group = query.groupBy === undefined ? 'NULL' : GROUP_COLUMN[query.groupBy];
  if (group === undefined) throw new RangeError(`unknown group_by: ${String(query.groupBy)}`);
  const size = query.bucket === undefined ? undefined : BUCKET_MS[query.bucket];
  if (query.bucket !== undefined && size === undefined) throw new RangeError(`unknown bucket: ${String(query.bucket)}`);
  const bucket = size === undefined ? '0' : `(time - (time % ${size}))`;
  const where: string[] = [];
  const params: number[] = [];
  if (query.from !== undefined) {
    params.push(query.from);
    where.push(`time >= ${dialect.placeholder(params.length)}`);
  }
  if (query.to !== undefined) {
    params.push(query.to);
    where.push(`time < ${dialect.placeholder(params.length)}`);
  }
  // grp goes through '' and back so groups without a value join like the others (NULL never equals NULL)
  const sql = `
    WITH base AS (
      SELECT ${bucket} AS bucket, COALESCE(${group}, '') AS grp, latency_ms, failed,
             prompt_tokens, completion_tokens, cached_tokens, reasoning_tokens, cost_nano_usd
      FROM requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
    ),
    ranked AS (
      SELECT bucket, grp, latency_ms,
             ROW_NUMBER() OVER (PARTITION BY bucket, grp ORDER BY latency_ms) AS rn,
             COUNT(*) OVER (PARTITION BY bucket, grp) AS n
      FROM base
    ),
    pct AS (
      SELECT bucket, grp,
             MAX(CASE WHEN rn = (n * 50 + 99) / 100 THEN latency_ms END) AS p50,
             MAX(CASE WHEN rn = (n * 99 + 99) / 100 THEN latency_ms END) AS p99
      FROM ranked GROUP BY bucket, grp
    ),
    agg AS (
      SELECT bucket, grp, COUNT(*) AS requests, ${dialect.failedCount} AS failed,
             ${dialect.total('prompt_tokens')} AS prompt, ${dialect.total('completion_tokens')} AS completion,
             ${dialect.total('cached_tokens')} AS cached, ${dialect.total('reasoning_tokens')} AS reasoning,
             ${dialect.total('cost_nano_usd')} AS cost
      FROM base GROUP BY bucket, grp
    )
    SELECT agg.*, pct.p50, pct.p99 FROM agg JOIN pct USING (bucket, grp) ORDER BY bucket, ${dialect.groupOrder}`;
  return { sql, params };
}

/** The answer from the statement's rows; `bucketed` when the query had a bucket. */
export function toUsageRows(rows: readonly UsageSqlRow[], bucketed: boolean): UsageRow[] {
  return rows.map((r) => {
    const row: UsageRow = {
      group: r.grp === '' ? null : r.grp,
      requests: r.requests,
      failed: r.failed,
      errorRate: r.requests === 0 ? 0 : r.failed / r.requests,
      promptTokens: r.prompt,
      completionTokens: r.completion,
      cachedTokens: r.cached,
      reasoningTokens: r.reasoning,
      costUsd: nanoToUsd(r.cost),
      p50LatencyMs: r.p50,
      p99LatencyMs: r.p99,
    };
    return bucketed ? { bucketStart: r.bucket, ...row } : row;
  });
}
