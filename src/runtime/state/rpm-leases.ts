/**
 * Gateway-key rpm limits shared through a backend, without a round trip per request: each instance takes a
 * lease of requests from the key's window (1% of the limit, at least one) and spends it locally. The backend
 * grants only what is left under the limit, so the instances together never admit more than it; what an
 * instance leased and did not spend by the window's end is lost (at most a lease per instance per window).
 */
import type { SharedState } from './shared-state.js';

export type RpmVerdict =
  | { allowed: true; remaining: number; resetSeconds: number }
  | { allowed: false; resetSeconds: number }
  /** The backend did not answer. */
  | { allowed: undefined };

interface Lease {
  window: number;
  left: number;
  /** The window's limit is used up: no lease will come. */
  exhausted: boolean;
  /** The backend's count after the last lease, for the remaining figure. */
  counted: number;
  pending: Promise<void> | undefined;
}

export const LEASE_SHARE = 0.01;

export class RpmLeases {
  private readonly leases = new Map<string, Lease>();

  constructor(
    private readonly backend: Required<Pick<SharedState, 'takeTokens'>>,
    private readonly windowMs: number,
  ) {}

  /** One request of `key` under `limit`: at once from the lease when it has some left, else after a lease. */
  take(key: string, limit: number, now: number): RpmVerdict | Promise<RpmVerdict> {
    const window = Math.floor(now / this.windowMs);
    let lease = this.leases.get(key);
    if (lease === undefined || lease.window !== window) {
      lease = { window, left: 0, exhausted: false, counted: 0, pending: undefined };
      this.leases.set(key, lease);
    }
    const resetSeconds = Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000));
    if (lease.left > 0) {
      lease.left--;
      return { allowed: true, remaining: Math.max(0, limit - lease.counted) + lease.left, resetSeconds };
    }
    if (lease.exhausted) return { allowed: false, resetSeconds };
    return this.renew(key, lease, limit, now).then((answered) => (answered ? this.take(key, limit, now) : { allowed: undefined }));
  }

  /** Asks the backend for a lease (one request at a time per key); false when it did not answer. */
  private async renew(key: string, lease: Lease, limit: number, now: number): Promise<boolean> {
    let answered = true;
    lease.pending ??= (async () => {
      const asked = Math.max(1, Math.floor(limit * LEASE_SHARE));
      const granted = await this.backend.takeTokens(key, asked, limit, now);
      if (granted === undefined) answered = false;
      else {
        lease.left += granted;
        lease.counted += asked;
        if (granted < asked) lease.exhausted = true;
      }
      lease.pending = undefined;
    })();
    await lease.pending;
    return answered || lease.left > 0 || lease.exhausted;
  }
}
