/**
 * Outlier detection (after Envoy's): an upstream is ejected only after `consecutive` failures in a row
 * or a failure rate over a sliding window, never on one strike; an ejection lasts `cooldownMs` times
 * the upstream's recent ejections (capped), and that count decays while the upstream stays in.
 * Failures here are the upstream's own (408, 5xx, connect error, timeout, reset); 401/429 are a key's.
 */
import type { BundleOutlier, BundleRouting } from '../../bundle/format.js';

/** The detector's settings: `routing.outlier` as the bundle holds it. */
export type OutlierPolicy = BundleOutlier;

export const DEFAULT_OUTLIER_POLICY: Readonly<OutlierPolicy> = Object.freeze({
  consecutive: 5,
  failureRate: 0.5,
  minRequests: 20,
  windowMs: 10_000,
  maxEjectionPercent: 66,
  maxCooldownMs: 300_000,
});

/** A bundle's outlier settings with the defaults filled in (bundles from before outlier detection have none). */
export function outlierPolicyOf(routing: BundleRouting): OutlierPolicy {
  return { ...DEFAULT_OUTLIER_POLICY, ...routing.outlier };
}

/** The sliding window is this many buckets of `windowMs / BUCKETS` each. */
const BUCKETS = 10;

/** What the detector knows about one upstream: recent attempts, failures in a row, past ejections. */
export class UpstreamOutlier {
  consecutive = 0;
  /** Ejections not yet decayed (the multiplier of the next one's length, minus one). */
  ejections = 0;
  /** When the last ejection ended (or will end); decay counts from there. */
  ejectedUntil = -Infinity;
  lastError: string | undefined;
  lastErrorAt: number | undefined;
  private readonly attempts = new Float64Array(BUCKETS);
  private readonly failures = new Float64Array(BUCKETS);
  /** Index (time / bucket length) of the newest bucket written. */
  private newest = -Infinity;

  constructor(private readonly bucketMs: number) {}

  /** Counts one attempt that reached the upstream; true when it failed. */
  count(now: number, failed: boolean): void {
    const bucket = Math.floor(now / this.bucketMs);
    if (bucket > this.newest) {
      // clear the buckets between the newest one written and this one (all of them after a long gap)
      const gap = Math.min(BUCKETS, this.newest === -Infinity ? BUCKETS : bucket - this.newest);
      for (let i = 1; i <= gap; i++) {
        const slot = (((bucket - gap + i) % BUCKETS) + BUCKETS) % BUCKETS;
        this.attempts[slot] = 0;
        this.failures[slot] = 0;
      }
      this.newest = bucket;
    }
    // a late count (an attempt that started before a newer one ended) goes into the newest bucket
    const slot = ((this.newest % BUCKETS) + BUCKETS) % BUCKETS;
    this.attempts[slot]! += 1;
    if (failed) {
      this.failures[slot]! += 1;
      this.consecutive++;
    } else this.consecutive = 0;
  }

  /** Attempts and failures within the window ending at `now`. */
  window(now: number): { attempts: number; failures: number } {
    const bucket = Math.floor(now / this.bucketMs);
    let attempts = 0;
    let failures = 0;
    for (let age = 0; age < BUCKETS; age++) {
      const b = bucket - age;
      if (b > this.newest || b <= this.newest - BUCKETS) continue;
      const slot = ((b % BUCKETS) + BUCKETS) % BUCKETS;
      attempts += this.attempts[slot]!;
      failures += this.failures[slot]!;
    }
    return { attempts, failures };
  }

  /** Whether the counts call for an ejection under `policy`. */
  tripped(now: number, policy: OutlierPolicy): 'consecutive' | 'failure-rate' | undefined {
    if (this.consecutive >= policy.consecutive) return 'consecutive';
    const { attempts, failures } = this.window(now);
    if (attempts >= policy.minRequests && failures >= policy.failureRate * attempts) return 'failure-rate';
    return undefined;
  }

  /** The ejection count after decay: one off for every `cooldownMs` the upstream spent in since its last ejection. */
  decayedEjections(now: number, cooldownMs: number): number {
    if (this.ejections === 0 || now <= this.ejectedUntil) return this.ejections;
    const steps = cooldownMs > 0 ? Math.floor((now - this.ejectedUntil) / cooldownMs) : this.ejections;
    return Math.max(0, this.ejections - steps);
  }

  /** Ejects from `now`: returns the end. Counters start over, so the upstream gets a clean slate when it returns. */
  eject(now: number, cooldownMs: number, policy: OutlierPolicy): number {
    this.ejections = this.decayedEjections(now, cooldownMs) + 1;
    const length = Math.min(cooldownMs * this.ejections, policy.maxCooldownMs);
    this.ejectedUntil = now + length;
    this.consecutive = 0;
    this.attempts.fill(0);
    this.failures.fill(0);
    return this.ejectedUntil;
  }
}

/** How many of `total` upstreams may be ejected at once: the share truncated to whole percent stays within the policy, and one is always left. */
export function maxEjected(total: number, maxEjectionPercent: number): number {
  let allowed = 0;
  while (allowed + 1 < total && Math.floor((100 * (allowed + 1)) / total) <= maxEjectionPercent) allowed++;
  return allowed;
}
