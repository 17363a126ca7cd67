/**
 * The request log a CLI command reads, read-only: `--db F` (a SQLite file, or a `postgres://` URL), else
 * the log of `--config F` (`logging.postgres`, its URL read from this environment, or `logging.path`),
 * else the default file.
 */
import { existsSync } from 'node:fs';
import { cliInvocation } from './cli-invocation.js';
import { DEFAULT_DB_PATH } from '../runtime/observability/sqlite-store.js';
import { isPostgresUrl, openRequestStore, type RequestStore } from '../runtime/observability/request-store.js';

export const requestLogOptions = { db: { type: 'string' }, config: { type: 'string', short: 'c' } } as const;

/** The store, or why there is none (a message for stderr, never holding the URL). */
export async function openRequestLog(values: Record<string, string | boolean | undefined>): Promise<RequestStore | string> {
  let path = DEFAULT_DB_PATH;
  let url: string | undefined;
  if (typeof values.db === 'string') {
    if (isPostgresUrl(values.db)) url = values.db;
    else path = values.db;
  } else if (typeof values.config === 'string') {
    const { loadBundleInput } = await import('./bundle-input.js');
    const bundle = await loadBundleInput({ config: values.config });
    if (!bundle) return `the config ${values.config} has errors`;
    const { logging } = bundle.observability;
    if (!logging.enabled) return `request logging is off in ${values.config} (logging.enabled: false)`;
    if (logging.postgres !== undefined) {
      url = process.env[logging.postgres.url.env];
      if (!url) return `logging.postgres.url: the environment variable ${logging.postgres.url.env} is not set`;
    }
    path = logging.path;
  }
  if (url !== undefined) {
    try {
      return await openRequestStore({ postgres: { url }, readonly: true });
    } catch (error) {
      return (error as Error).message; // the store's message names the database without credentials
    }
  }
  if (!existsSync(path)) return `no request log at ${path}: start the gateway (${cliInvocation()} serve) or pass --db`;
  return openRequestStore({ path, readonly: true });
}

/** A cell cut to `width` characters, the cut marked with `…`. */
export function clipCell(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, width - 1)}…`;
}

/** Columns padded to their widest cell. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}
