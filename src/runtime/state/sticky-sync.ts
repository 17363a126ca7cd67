/**
 * Ties a gateway's prompt-cache sticky routes to a shared state: the entries it announces go out (Redis
 * keys with the entry's expiry, and a publish; or the primary of `serve --workers`), the others' come into
 * its own bounded map. The planner reads only that map: no request waits on the backend.
 */
import { randomUUID } from 'node:crypto';
import type { StickyRoutes } from '../policy/sticky-routes.js';
import type { SharedState, StickyEvent } from './shared-state.js';

export function syncSticky(sticky: StickyRoutes, shared: SharedState, now: () => number, origin: string = randomUUID()): void {
  if (!shared.publishSticky || !shared.onSticky) return;
  sticky.onAnnounce = (key, upstream, until) => shared.publishSticky!({ key, upstream, until, origin });
  shared.onSticky((event) => {
    if (event.origin !== origin) sticky.applyRemote(event.key, event.upstream, event.until, now());
  });
  shared.setLocalSticky?.(() => {
    const events: StickyEvent[] = [];
    for (const [key, upstream, until] of sticky.inForce(now())) events.push({ key, upstream, until, origin });
    return events;
  });
}
