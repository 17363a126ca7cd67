/**
 * Usage aggregation over the request log: requests, tokens, cost, error rate and latency
 * percentiles per group and time bucket, computed in one SQL statement.
 *
 * Percentiles use the nearest-rank definition: p-th percentile of n sorted latencies is the value
 * at 1-based rank ceil(p/100 * n) (so p50 of [10, 20, 30, 40] is 20, p99 of 100 values is the 99th).
 */
import type { Database } from 'better-sqlite3';
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

const GROUP_COLUMN: Record<UsageGroupBy, string> = { model: 'model', key: 'gateway_key', app: 'app', user: 'user', upstream: 'upstream' };
const BUCKET_MS: Record<UsageBucket, number> = { hour: 3_600_000, day: 86_400_000 };

interface Row {
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

export function usageReport(db: Database, query: UsageQuery): UsageRow[] {
  const group = query.groupBy === undefined ? 'NULL' : GROUP_COLUMN[query.groupBy];
  if (group === undefined) throw new RangeError(`unknown group_by: ${String(query.groupBy)}`);
  const size = query.bucket === undefined ? undefined : BUCKET_MS[query.bucket];
  if (query.bucket !== undefined && size === undefined) throw new RangeError(`unknown bucket: ${String(query.bucket)}`);
  const bucket = size === undefined ? '0' : `(time - (time % ${size}))`;
  const where: string[] = [];
  const params: number[] = [];
  if (query.from !== undefined) {
    where.push('time >= ?');
    params.push(query.from);
  }
  if (query.to !== undefined) {
    where.push('time < ?');
    params.push(query.to);
  }
  // grp goes through '' and back so groups without a value join like the others (NULL never equals NULL)
  const sql = `
    WITH base AS (
      SELECT ${bucket} AS bucket, IFNULL(${group}, '') AS grp, latency_ms, failed,
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
      SELECT bucket, grp, COUNT(*) AS requests, SUM(failed) AS failed,
             TOTAL(prompt_tokens) AS prompt, TOTAL(completion_tokens) AS completion,
             TOTAL(cached_tokens) AS cached, TOTAL(reasoning_tokens) AS reasoning,
             IFNULL(SUM(cost_nano_usd), 0) AS cost
      FROM base GROUP BY bucket, grp
    )
    SELECT agg.*, pct.p50, pct.p99 FROM agg JOIN pct USING (bucket, grp) ORDER BY bucket, grp`;
  const rows = db.prepare(sql).all(...params) as Row[];
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
    return size === undefined ? row : { bucketStart: r.bucket, ...row };
  });
}
