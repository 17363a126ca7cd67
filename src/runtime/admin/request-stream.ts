/**
 * `GET /api/requests/stream`: the live tail of the request log as server-sent events. It reads the store
 * as the admin API does (records as stored: sanitized, redacted) and polls it only while a client is
 * connected, so the request path neither knows nor pays for it.
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { RequestFilter, RequestSummary } from '../observability/request-queries.js';
import type { RequestLogReader } from '../observability/worker-request-log.js';

export interface StreamOptions {
  /** How often the store is read while a client listens. */
  pollMs: number;
  /** A comment line this often keeps proxies from closing an idle stream. */
  heartbeatMs: number;
  /** Requests from this long before the stream opened are sent first (0: only new ones). */
  backfillMs: number;
}

const DEFAULTS: StreamOptions = { pollMs: 1_000, heartbeatMs: 15_000, backfillMs: 0 };
/** Per read: a burst larger than this between two reads shows its newest READ_LIMIT in the tail (the table's pages hold them all). */
const READ_LIMIT = 200;

/**
 * Each event is `event: request` with one request summary (the shape of `GET /api/requests`'s rows), oldest
 * first; `id:` is the request id.
 */
export function streamRequests(c: Context, reader: RequestLogReader, filter: RequestFilter, shutdown: AbortSignal, options: Partial<StreamOptions> = {}): Response {
  const { pollMs, heartbeatMs, backfillMs } = { ...DEFAULTS, ...options };
  return streamSSE(c, async (stream) => {
    let closed = false;
    let stop = () => {};
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const close = () => {
      closed = true;
      stop();
    };
    stream.onAbort(close);
    // a draining gateway ends its streams rather than wait out its grace period on them
    shutdown.addEventListener('abort', close, { once: true });
    try {
      // the newest time sent, and the ids sent at that time (several requests can share a millisecond)
      let since = Date.now() - backfillMs;
      let sentAtSince = new Set<string>();
      await stream.writeSSE({ event: 'ready', data: JSON.stringify({ since }) });
      let lastWrite = Date.now();
      while (!closed) {
        const page = await reader.listRequests({ ...filter, from: Math.max(since, filter.from ?? 0) }, { limit: READ_LIMIT });
        const fresh: RequestSummary[] = page.requests.filter((r) => r.time > since || !sentAtSince.has(r.id)).reverse();
        for (const request of fresh) {
          if (closed) break;
          await stream.writeSSE({ event: 'request', id: request.id, data: JSON.stringify(request) });
          lastWrite = Date.now();
          if (request.time > since) {
            since = request.time;
            sentAtSince = new Set();
          }
          sentAtSince.add(request.id);
        }
        if (!closed && Date.now() - lastWrite >= heartbeatMs) {
          await stream.write(': keep-alive\n\n');
          lastWrite = Date.now();
        }
        if (!closed) await Promise.race([stream.sleep(pollMs), stopped]);
      }
    } catch (error) {
      // the store closed or failed under the stream: say so in-band, never as a printed stack
      if (!closed) await stream.writeSSE({ event: 'error', data: JSON.stringify({ message: `the request log could not be read (${(error as Error).name})` }) }).catch(() => undefined);
    } finally {
      shutdown.removeEventListener('abort', close);
    }
  });
}
