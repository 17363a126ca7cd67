/**
 * Health state shared by all requests: upstream cooldowns and key quarantines.
 * Times are in the injected clock's milliseconds; nothing here reads the wall clock.
 */

export interface HealthMark {
  /** The candidate or key is skipped until this time. */
  until: number;
  lastError?: string;
  lastErrorAt?: number;
}

export function upstreamId(provider: string, model: string): string {
  return `${provider}/${model}`;
}

export function keyId(provider: string, keyName: string): string {
  return `${provider}#${keyName}`;
}

export class HealthState {
  readonly upstreams = new Map<string, HealthMark>();
  readonly keys = new Map<string, HealthMark>();

  /** Cools an upstream down until `until`; a later mark never shortens an existing one. */
  coolUpstream(id: string, until: number, error: string, now: number): void {
    mark(this.upstreams, id, until, error, now);
  }

  quarantineKey(id: string, until: number, error: string, now: number): void {
    mark(this.keys, id, until, error, now);
  }

  upstreamCoolingUntil(id: string, now: number): number | undefined {
    const m = this.upstreams.get(id);
    return m !== undefined && m.until > now ? m.until : undefined;
  }

  keyQuarantinedUntil(id: string, now: number): number | undefined {
    const m = this.keys.get(id);
    return m !== undefined && m.until > now ? m.until : undefined;
  }

  /** Keeps marks only for ids that still exist (after a bundle swap). */
  retain(upstreamIds: ReadonlySet<string>, keyIds: ReadonlySet<string>): void {
    for (const id of this.upstreams.keys()) if (!upstreamIds.has(id)) this.upstreams.delete(id);
    for (const id of this.keys.keys()) if (!keyIds.has(id)) this.keys.delete(id);
  }
}

function mark(map: Map<string, HealthMark>, id: string, until: number, error: string, now: number): void {
  const current = map.get(id);
  const keepUntil = current !== undefined && current.until > until ? current.until : until;
  map.set(id, { until: keepUntil, lastError: error, lastErrorAt: now });
}
