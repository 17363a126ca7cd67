/** The request log's queries in PostgreSQL (node-postgres, asynchronous): pages of requests, one request, usage. */
import type { Pool } from 'pg';
import { filterSql, pageBounds, pageOf, SUMMARY_COLUMNS, toRecord, type AttemptRow, type FilterDialect, type PageRequest, type RequestFilter, type RequestPage, type RequestRow } from './request-queries.js';
import type { RequestRecord } from './request-record.js';
import { toUsageRows, usageSql, type UsageDialect, type UsageQuery, type UsageRow, type UsageSqlRow } from './usage-query.js';

type Queryable = Pick<Pool, 'query'>;

const placeholder = (n: number): string => `$${n}`;

const POSTGRES: FilterDialect = {
  placeholder,
  failed: 'failed',
  ok: 'NOT failed',
  // jsonb containment: an attempt object with that upstream (or provider) member
  attemptOn: (value) =>
    `(attempts @> jsonb_build_array(jsonb_build_object('upstream', ${value()}::text)) OR attempts @> jsonb_build_array(jsonb_build_object('provider', ${value()}::text)))`,
};

const POSTGRES_USAGE: UsageDialect = {
  placeholder,
  // sums of bigint are numeric (strings to node-postgres): cast back; the cost stays an exact integer
  total: (column) => (column === 'cost_nano_usd' ? 'COALESCE(SUM(cost_nano_usd), 0)::bigint' : `COALESCE(SUM(${column}), 0)::float8`),
  failedCount: 'COUNT(*) FILTER (WHERE failed)',
  // the database's collation may order by locale
  groupOrder: 'grp COLLATE "C"',
};

export async function listRequests(db: Queryable, filter: RequestFilter, page: PageRequest): Promise<RequestPage> {
  const { limit, offset, cursor } = pageBounds(page);
  const { where, params } = filterSql(filter, cursor, POSTGRES);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM requests ${where} ORDER BY time DESC, seq DESC LIMIT $${params.length + 1} OFFSET $${params.length + 2}`;
  const { rows } = await db.query<RequestRow>(sql, [...params, limit + 1, offset]);
  return pageOf(rows, limit);
}

export async function getRequest(db: Queryable, id: string): Promise<RequestRecord | undefined> {
  const { rows } = await db.query<RequestRow & { attempts: AttemptRow[] }>(`SELECT ${SUMMARY_COLUMNS}, request_body, response_body, attempts FROM requests WHERE id = $1`, [id]);
  const row = rows[0];
  return row === undefined ? undefined : toRecord(row, row.attempts);
}

export async function usageReport(db: Queryable, query: UsageQuery): Promise<UsageRow[]> {
  const { sql, params } = usageSql(query, POSTGRES_USAGE);
  const { rows } = await db.query<UsageSqlRow>(sql, params);
  return toUsageRows(rows, query.bucket !== undefined);
}
