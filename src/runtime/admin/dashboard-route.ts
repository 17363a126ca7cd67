/** GET {dashboard path} and its assets: the built page from memory, with cache validators; everything else falls through to 404. */
import type { Context } from 'hono';
import { loadDashboardFiles, type DashboardFiles } from './dashboard-assets.js';

export function dashboardHandler(mountOf: () => string | undefined, assetDir?: string) {
  // one load per mount path (a reload may move it); nothing is read until someone opens the page
  const loaded = new Map<string, Promise<DashboardFiles | undefined>>();
  return async (c: Context, next: () => Promise<void>): Promise<Response | void> => {
    const mount = mountOf();
    const requested = c.req.path;
    if (mount === undefined || (requested !== mount && !requested.startsWith(mount + '/'))) return next();
    let files = loaded.get(mount);
    if (!files) loaded.set(mount, (files = loadDashboardFiles(mount, assetDir)));
    const built = await files;
    if (!built) {
      loaded.delete(mount);
      return c.json({ error: { message: 'the dashboard is not built: run npm run build', type: 'server_error', code: 'dashboard_not_built' } }, 503);
    }
    const rest = requested.slice(mount.length);
    const file = built.get(rest === '/' ? '' : rest);
    if (!file) return next();
    if (c.req.header('if-none-match') === file.headers.etag) return c.body(null, 304, { etag: file.headers.etag!, 'cache-control': file.headers['cache-control']! });
    return c.body(new Uint8Array(file.body), 200, file.headers);
  };
}
