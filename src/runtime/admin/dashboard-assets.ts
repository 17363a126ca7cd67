/**
 * The dashboard's static files: built into lib/dashboard by `npm run build` (dashboard/build.mjs), read
 * from disk on the first dashboard request and kept in memory. The page is public (it holds no data); every
 * figure it shows comes from the admin API, with the admin key the person signs in with.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RoutingBundle } from '../../bundle/format.js';

/** From src/runtime/admin (tests) and lib/runtime/admin (the package) alike: the package's lib/dashboard. */
const ASSET_DIR = fileURLToPath(new URL('../../../lib/dashboard/', import.meta.url));
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1']);
export const DEFAULT_DASHBOARD_PATH = '/dashboard';

/** Where the dashboard is served, or undefined when it is off: on by default with admin keys, or on a loopback-only gateway. */
export function dashboardPath(bundle: RoutingBundle, host: string): string | undefined {
  const spec = bundle.dashboard ?? { path: DEFAULT_DASHBOARD_PATH };
  const on = spec.enabled ?? (bundle.auth.adminKeys.length > 0 || LOOPBACK_HOSTS.has(host));
  return on ? spec.path : undefined;
}

export interface DashboardFile {
  body: Buffer;
  headers: Record<string, string>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Nothing from another origin: scripts, styles, fonts and API calls all come from this gateway. */
const CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The files by path under the mount (`''` is the page), for one mount path. */
export type DashboardFiles = Map<string, DashboardFile>;

/** Reads the built files; `undefined` when the dashboard was not built (lib/dashboard missing). */
export async function loadDashboardFiles(mount: string, dir = ASSET_DIR): Promise<DashboardFiles | undefined> {
  let html: string;
  try {
    html = await readFile(path.join(dir, 'index.html'), 'utf8');
  } catch {
    return undefined;
  }
  const files: DashboardFiles = new Map();
  const page = Buffer.from(html.replaceAll('%BASE%', mount));
  const security = { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
  // the page names the current hashed assets: revalidated on every load
  files.set('', { body: page, headers: { 'content-type': TYPES['.html']!, 'cache-control': 'no-cache', etag: etagOf(page), ...security } });
  for (const name of await readdir(path.join(dir, 'assets')).catch(() => [] as string[])) {
    const body = await readFile(path.join(dir, 'assets', name));
    // content-hashed names: a changed file is a new name, so a browser may keep each for a year
    files.set(`/assets/${name}`, { body, headers: { 'content-type': TYPES[path.extname(name)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=31536000, immutable', etag: etagOf(body), 'x-content-type-options': 'nosniff' } });
  }
  return files;
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}
