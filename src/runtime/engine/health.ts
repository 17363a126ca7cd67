/**
 * Health state shared by all requests: upstream ejections (outlier detection) and key quarantines.
 * Times are in the injected clock's milliseconds; nothing here reads the wall clock.
 */
import { maxEjected, UpstreamOutlier, type OutlierPolicy } from './outlier.js';

export interface HealthMark {
  /** The upstream (ejected) or key (quarantined) is skipped, or tried last, until this time. */
  until: number;
  lastError?: string;
  lastErrorAt?: number;
  /** A key rested by its rate limit (429, or a success reporting none left): worth waiting for within a request. */
  rateLimited?: boolean;
}

export function upstreamId(provider: string, model: string): string {
  return `${provider}/${model}`;
}

export function keyId(provider: string, keyName: string): string {
  return `${provider}#${keyName}`;
}

/** What one upstream failure did to the health state. */
export type FailureVerdict =
  /** Counted; the upstream stays in. */
  | { ejected: false; held?: 'max-ejection-percent' }
  | { ejected: true; until: number; because: 'consecutive' | 'failure-rate' };

export class HealthState {
  /** Ejected upstreams: tried only after every healthy candidate, until the mark ends. */
  readonly upstreams = new Map<string, HealthMark>();
  readonly keys = new Map<string, HealthMark>();
  /** Outlier counters of every upstream that has been attempted. */
  readonly outliers = new Map<string, UpstreamOutlier>();
  /** Ejections since start (a counter for /metrics). */
  ejectionsTotal = 0;
  /** Told of every mark this state makes itself (not of the ones `applyRemote` brings): to share it. */
  onLocalMark: ((kind: 'upstream' | 'key', id: string, mark: HealthMark) => void) | undefined;

  /** Ejects an upstream until `until`; a later mark never shortens an existing one. */
  coolUpstream(id: string, until: number, error: string, now: number): void {
    const m = mark(this.upstreams, id, until, error, now);
    this.onLocalMark?.('upstream', id, m);
  }

  quarantineKey(id: string, until: number, error: string, now: number, rateLimited = false): void {
    const m = mark(this.keys, id, until, error, now, rateLimited);
    this.onLocalMark?.('key', id, m);
  }

  /** A mark another instance made: merged like a local one (never shortening one in force), not shared again. */
  applyRemote(kind: 'upstream' | 'key', id: string, until: number, error: string, at: number, rateLimited = false): void {
    mark(kind === 'upstream' ? this.upstreams : this.keys, id, until, error, at, rateLimited);
  }

  /** When a key rested by its rate limit recovers (undefined when it is not quarantined, or rejected instead). */
  keyRateLimitedUntil(id: string, now: number): number | undefined {
    const m = this.keys.get(id);
    return m !== undefined && m.until > now && m.rateLimited === true ? m.until : undefined;
  }

  upstreamCoolingUntil(id: string, now: number): number | undefined {
    const m = this.upstreams.get(id);
    return m !== undefined && m.until > now ? m.until : undefined;
  }

  keyQuarantinedUntil(id: string, now: number): number | undefined {
    const m = this.keys.get(id);
    return m !== undefined && m.until > now ? m.until : undefined;
  }

  /** An answer from the upstream that was not its own failure (2xx, or the request's or a key's fault). */
  recordUpstreamSuccess(id: string, now: number, policy: OutlierPolicy): void {
    this.outlierOf(id, policy).count(now, false);
    // an ejection that has ended is forgotten, so the planner's no-ejection fast path comes back
    if (this.upstreams.size > 0) {
      const m = this.upstreams.get(id);
      if (m !== undefined && m.until <= now) this.upstreams.delete(id);
    }
  }

  /**
   * An upstream failure (408, 5xx, connect error, timeout, reset): counted, and the upstream is ejected when
   * the counts call for it and `peers` (every upstream of the model, itself included) leave room under
   * `maxEjectionPercent`.
   */
  recordUpstreamFailure(id: string, now: number, error: string, policy: OutlierPolicy, cooldownMs: number, peers: readonly string[]): FailureVerdict {
    const outlier = this.outlierOf(id, policy);
    outlier.count(now, true);
    outlier.lastError = error;
    outlier.lastErrorAt = now;
    const current = this.upstreams.get(id);
    if (current !== undefined && current.until > now) {
      // already out: its end stands
      current.lastError = error;
      current.lastErrorAt = now;
      return { ejected: false };
    }
    const because = outlier.tripped(now, policy);
    if (because === undefined) return { ejected: false };
    let othersOut = 0;
    let total = peers.includes(id) ? 0 : 1;
    for (const peer of peers) {
      total++;
      if (peer !== id && this.upstreamCoolingUntil(peer, now) !== undefined) othersOut++;
    }
    if (othersOut + 1 > maxEjected(total, policy.maxEjectionPercent)) return { ejected: false, held: 'max-ejection-percent' };
    const until = outlier.eject(now, cooldownMs, policy);
    const ejection: HealthMark = { until, lastError: error, lastErrorAt: now };
    this.upstreams.set(id, ejection);
    this.ejectionsTotal++;
    this.onLocalMark?.('upstream', id, ejection);
    return { ejected: true, until, because };
  }

  /** Keeps marks only for ids that still exist (after a bundle swap). */
  retain(upstreamIds: ReadonlySet<string>, keyIds: ReadonlySet<string>): void {
    for (const id of this.upstreams.keys()) if (!upstreamIds.has(id)) this.upstreams.delete(id);
    for (const id of this.outliers.keys()) if (!upstreamIds.has(id)) this.outliers.delete(id);
    for (const id of this.keys.keys()) if (!keyIds.has(id)) this.keys.delete(id);
  }

  private outlierOf(id: string, policy: OutlierPolicy): UpstreamOutlier {
    let outlier = this.outliers.get(id);
    if (outlier === undefined) {
      outlier = new UpstreamOutlier(Math.max(1, policy.windowMs / 10));
      this.outliers.set(id, outlier);
    }
    return outlier;
  }
}

function mark(map: Map<string, HealthMark>, id: string, until: number, error: string, now: number, rateLimited = false): HealthMark {
  const current = map.get(id);
  const keep = current !== undefined && current.until > until;
  const m: HealthMark = { until: keep ? current.until : until, lastError: error, lastErrorAt: now };
  // the mark that decides the end decides whether it is a rate limit
  if (keep ? current.rateLimited === true : rateLimited) m.rateLimited = true;
  map.set(id, m);
  return m;
}
