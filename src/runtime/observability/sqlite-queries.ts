/** The request log's queries in SQLite (better-sqlite3, synchronous): pages of requests, one request, usage. */
import type { Database } from 'better-sqlite3';
import { filterSql, pageBounds, pageOf, SUMMARY_COLUMNS, toRecord, type AttemptRow, type FilterDialect, type PageRequest, type RequestFilter, type RequestPage, type RequestRow } from './request-queries.js';
import type { RequestRecord } from './request-record.js';
import { toUsageRows, usageSql, type UsageDialect, type UsageQuery, type UsageRow, type UsageSqlRow } from './usage-query.js';

const SQLITE: FilterDialect = {
  placeholder: () => '?',
  failed: 'failed = 1',
  ok: 'failed = 0',
  attemptOn: (value) => `EXISTS (SELECT 1 FROM json_each(requests.attempts) WHERE value ->> 'upstream' = ${value()} OR value ->> 'provider' = ${value()})`,
};

export function listRequests(db: Database, filter: RequestFilter, page: PageRequest): RequestPage {
  const { limit, offset, cursor } = pageBounds(page);
  const { where, params } = filterSql(filter, cursor, SQLITE);
  const sql = `SELECT ${SUMMARY_COLUMNS} FROM requests ${where} ORDER BY time DESC, seq DESC LIMIT ? OFFSET ?`;
  return pageOf(db.prepare(sql).all(...params, limit + 1, offset) as RequestRow[], limit);
}

export function getRequest(db: Database, id: string): RequestRecord | undefined {
  const row = db.prepare(`SELECT ${SUMMARY_COLUMNS}, request_body, response_body, attempts FROM requests WHERE id = ?`).get(id) as (RequestRow & { attempts: string }) | undefined;
  return row === undefined ? undefined : toRecord(row, JSON.parse(row.attempts) as AttemptRow[]);
}

const SQLITE_USAGE: UsageDialect = {
  placeholder: () => '?',
  // TOTAL: a float sum, 0.0 over NULLs; IFNULL(SUM()) keeps the nano-dollar cost an exact integer
  total: (column) => (column === 'cost_nano_usd' ? 'IFNULL(SUM(cost_nano_usd), 0)' : `TOTAL(${column})`),
  failedCount: 'SUM(failed)',
  groupOrder: 'grp',
};

export function usageReport(db: Database, query: UsageQuery): UsageRow[] {
  const { sql, params } = usageSql(query, SQLITE_USAGE);
  return toUsageRows(db.prepare(sql).all(...params) as UsageSqlRow[], query.bucket !== undefined);
}
