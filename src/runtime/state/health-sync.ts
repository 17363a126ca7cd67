/**
 * Ties a gateway's local health view to a shared state: marks it makes go out, marks others make come in.
 * The planner and the attempt loop never see the shared state; they read the local view, kept current.
 */
import { randomUUID } from 'node:crypto';
import type { HealthMark, HealthState } from '../engine/health.js';
import type { MarkEvent, SharedState } from './shared-state.js';

export function syncHealth(health: HealthState, shared: SharedState, origin: string = randomUUID()): void {
  const event = (kind: MarkEvent['kind'], id: string, mark: HealthMark): MarkEvent => {
    const e: MarkEvent = { kind, id, until: mark.until, error: mark.lastError ?? 'unknown', at: mark.lastErrorAt ?? Date.now(), origin };
    if (mark.rateLimited) e.rateLimited = true;
    return e;
  };
  health.onLocalMark = (kind, id, mark) => shared.publishMark(event(kind, id, mark));
  shared.onMark((e) => {
    if (e.origin !== origin) health.applyRemote(e.kind, e.id, e.until, e.error, e.at, e.rateLimited === true);
  });
  shared.setLocalMarks(() => {
    const now = Date.now();
    const marks: MarkEvent[] = [];
    for (const [id, m] of health.upstreams) if (m.until > now) marks.push(event('upstream', id, m));
    for (const [id, m] of health.keys) if (m.until > now) marks.push(event('key', id, m));
    return marks;
  });
}
