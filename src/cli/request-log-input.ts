/** The request log file a CLI command reads: `--db F`, else the `logging.path` of `--config F`, else the default. */
import { existsSync } from 'node:fs';
import { SqliteRequestStore, DEFAULT_DB_PATH } from '../runtime/observability/sqlite-store.js';

export const requestLogOptions = { db: { type: 'string' }, config: { type: 'string', short: 'c' } } as const;

export async function openRequestLog(values: Record<string, string | boolean | undefined>): Promise<SqliteRequestStore | string> {
  let path = DEFAULT_DB_PATH;
  if (typeof values.db === 'string') path = values.db;
  else if (typeof values.config === 'string') {
    const { loadBundleInput } = await import('./bundle-input.js');
    const bundle = await loadBundleInput({ config: values.config });
    if (!bundle) return `the config ${values.config} has errors`;
    if (!bundle.observability.logging.enabled) return `request logging is off in ${values.config} (logging.enabled: false)`;
    path = bundle.observability.logging.path;
  }
  if (!existsSync(path)) return `no request log at ${path}: start the gateway (anyrouter serve) or pass --db`;
  return new SqliteRequestStore({ path, readonly: true });
}

/** Columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
