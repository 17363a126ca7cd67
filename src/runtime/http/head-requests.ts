/** HEAD requests, marked before the router sees them as GET. */
import type { IncomingMessage } from 'node:http';

/**
 * HEAD requests, routed as GET: node:http already sends no body for them (it saw HEAD when it made the
 * response), so every handler, including those that write to the Node response themselves, answers HEAD
 * as it answers GET, headers and all. Hono's own HEAD handling wraps the GET answer in a new Response,
 * which loses the already-sent mark and writes headers a second time.
 */
const headRequests = new WeakSet<IncomingMessage>();

/** Marks a HEAD request and routes it as GET. */
export function routeHeadAsGet(req: IncomingMessage): void {
  headRequests.add(req);
  req.method = 'GET';
}

/** Whether the client sent HEAD (the router sees GET). */
export function isHeadRequest(req: IncomingMessage): boolean {
  return headRequests.has(req);
}
