/** The request log file a CLI command reads: `--db F`, else the config's `logging.path`, else the default. */
import { existsSync } from 'node:fs';
import { SqliteRequestStore, DEFAULT_DB_PATH } from '../runtime/observability/sqlite-store.js';

export const requestLogOptions = { db: { type: 'string' } } as const;

export function openRequestLog(values: Record<string, string | boolean | undefined>): SqliteRequestStore | string {
  const path = typeof values.db === 'string' ? values.db : DEFAULT_DB_PATH;
  if (!existsSync(path)) return `no request log at ${path}: start the gateway (anyrouter serve) or pass --db`;
  return new SqliteRequestStore({ path, readonly: true });
}

/** Columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
