/**
 * Shared rpm limits through leases: however the requests of several instances interleave, together they
 * are admitted at most `limit` times a window, and at least `limit` less one lease per instance when they
 * ask for more (the backend's grant follows the Redis script: what is left under the limit).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LEASE_SHARE, RpmLeases } from '../../src/runtime/state/rpm-leases.js';

/** The Redis script's arithmetic, in memory. */
function memoryBackend() {
  const counts = new Map<string, number>();
  return {
    async takeTokens(key: string, tokens: number, limit: number, now: number): Promise<number> {
      const k = `${key}:${Math.floor(now / 60_000)}`;
      const n = (counts.get(k) ?? 0) + tokens;
      counts.set(k, n);
      const over = n - limit;
      return over <= 0 ? tokens : over >= tokens ? 0 : tokens - over;
    },
  };
}

describe('rpm leases (properties)', () => {
  it('instances together admit at most the limit per window, and lose at most a lease each', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 500 }), fc.integer({ min: 1, max: 4 }), fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 900 }), async (limit, instances, picks) => {
        const backend = memoryBackend();
        const leases = Array.from({ length: instances }, () => new RpmLeases(backend, 60_000));
        const now = 1_700_000_040_000;
        // requests arrive in bursts, several in flight on one instance at once
        const verdicts = await Promise.all(picks.map((p) => leases[p % instances]!.take('team', limit, now)));
        const allowed = verdicts.filter((v) => v.allowed === true).length;
        expect(allowed).toBeLessThanOrEqual(limit);
        const lease = Math.max(1, Math.floor(limit * LEASE_SHARE));
        if (picks.length >= limit + instances * lease) expect(allowed).toBeGreaterThanOrEqual(limit - instances * lease);
        else if (picks.length <= limit - instances * lease) expect(allowed).toBe(picks.length);
        // the next window starts over
        expect((await leases[0]!.take('team', limit, now + 60_000)).allowed).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
