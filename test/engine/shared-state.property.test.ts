/**
 * The shared-state contract: a planner on instance B, whose health comes from instance A through Redis,
 * decides as a planner over one in-process health state that saw the same outcomes at the same times.
 */
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { HealthState, keyId } from '../../src/runtime/engine/health.js';
import { KeyPool } from '../../src/runtime/engine/key-pool.js';
import { DEFAULT_OUTLIER_POLICY } from '../../src/runtime/engine/outlier.js';
import { makeCandidate, planAttempts, type EngineCandidate, type EngineProvider } from '../../src/runtime/engine/plan.js';
import { syncHealth } from '../../src/runtime/state/health-sync.js';
import { RedisState } from '../../src/runtime/state/redis-state.js';
import { REDIS_URL, freshPrefix, redisAvailable } from '../support/redis-server.js';

let available = false;
beforeAll(async () => {
  available = await redisAvailable();
});

const providers: EngineProvider[] = ['p0', 'p1', 'p2'].map((id) => ({
  id,
  pool: new KeyPool(['k0', 'k1'].map((name) => ({ name, weight: 1, tier: 'byok' as const, present: true, healthId: keyId(id, name) })), 'fallback'),
}));
const candidates: EngineCandidate[] = providers.map((p) => makeCandidate(p, 'm'));
const peers = candidates.map((c) => c.upstream);
for (const c of candidates) c.peers = peers;

type Outcome = { kind: 'upstream-failed'; candidate: number } | { kind: 'rate-limited'; candidate: number; key: number; retryMs: number } | { kind: 'rejected'; candidate: number; key: number };

const outcomeArb: fc.Arbitrary<{ outcome: Outcome; advance: number }> = fc.record({
  outcome: fc.oneof(
    fc.record({ kind: fc.constant('upstream-failed' as const), candidate: fc.nat({ max: 2 }) }),
    fc.record({ kind: fc.constant('rate-limited' as const), candidate: fc.nat({ max: 2 }), key: fc.nat({ max: 1 }), retryMs: fc.integer({ min: 20_000, max: 120_000 }) }),
    fc.record({ kind: fc.constant('rejected' as const), candidate: fc.nat({ max: 2 }), key: fc.nat({ max: 1 }) }),
  ),
  advance: fc.integer({ min: 0, max: 50 }),
});

function apply(health: HealthState, o: Outcome, now: number, consecutive: number): void {
  const c = candidates[o.candidate]!;
  const policy = { ...DEFAULT_OUTLIER_POLICY, consecutive, maxEjectionPercent: 100 };
  if (o.kind === 'upstream-failed') health.recordUpstreamFailure(c.upstream, now, 'http_503', policy, 60_000, peers);
  else if (o.kind === 'rate-limited') health.quarantineKey(keyId(c.provider.id, `k${o.key}`), now + o.retryMs, 'http_429', now, true);
  else health.quarantineKey(keyId(c.provider.id, `k${o.key}`), now + 600_000, 'http_401', now);
}

const view = (h: HealthState, now: number) => {
  const plan = planAttempts({ candidates, health: h, now });
  const keys = providers.flatMap((p) => p.pool.keys.map((k) => [k.healthId!, h.keyQuarantinedUntil(k.healthId!, now) ?? null, h.keyRateLimitedUntil(k.healthId!, now) ?? null]));
  return { order: plan.order.map((c) => c.upstream), healthy: plan.healthy, panic: plan.panic, keys };
};

describe('shared state (properties)', () => {
  it('Redis-shared health gives the planner on another instance the decisions of one in-process health state', { timeout: 120_000 }, async (ctx) => {
    if (!available) ctx.skip();
    await fc.assert(
      fc.asyncProperty(fc.array(outcomeArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 4 }), async (steps, consecutive, queries) => {
        const prefix = freshPrefix();
        const stateA = new RedisState({ url: REDIS_URL, prefix, log: () => undefined });
        const stateB = new RedisState({ url: REDIS_URL, prefix, log: () => undefined });
        await Promise.all([stateA.start(), stateB.start()]);
        try {
          const a = new HealthState();
          const b = new HealthState();
          const alone = new HealthState();
          syncHealth(a, stateA);
          syncHealth(b, stateB);
          // wait until B's subscription is live, so no mark is published before it listens
          await new Promise((r) => setTimeout(r, 30));
          let now = Date.now();
          const start = now;
          for (const { outcome, advance } of steps) {
            now += advance;
            apply(a, outcome, now, consecutive);
            apply(alone, outcome, now, consecutive);
          }
          const expected = (t: number) => view(alone, t);
          const deadline = Date.now() + 3_000;
          while (JSON.stringify(view(b, now)) !== JSON.stringify(expected(now)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
          for (const q of [now, ...queries.map((d) => start + d)]) expect(view(b, q)).toEqual(expected(q));
        } finally {
          await Promise.all([stateA.close(), stateB.close()]);
        }
      }),
      { numRuns: 25 },
    );
  });
});

describe('shared live stats', () => {
  it('samples recorded on A reach B through Redis, so both rank on the same latencies', async (ctx) => {
    if (!available) ctx.skip();
    const { UpstreamStats } = await import('../../src/runtime/policy/upstream-stats.js');
    const { syncStats } = await import('../../src/runtime/state/stats-sync.js');
    const prefix = freshPrefix();
    const stateA = new RedisState({ url: REDIS_URL, prefix, log: () => undefined });
    const stateB = new RedisState({ url: REDIS_URL, prefix, log: () => undefined });
    await Promise.all([stateA.start(), stateB.start()]);
    const a = new UpstreamStats({ refreshMs: 0 });
    const b = new UpstreamStats({ refreshMs: 0 });
    const stops = [syncStats(a, stateA), syncStats(b, stateB)];
    try {
      await new Promise((r) => setTimeout(r, 30));
      const now = Date.now();
      for (let i = 0; i < 40; i++) a.recordTtfb('p0/m', now - i, 100 + i);
      a.recordThroughput('p0/m', now, 55);
      for (let i = 0; i < 100 && (b.ttfbPercentiles('p0/m', now)?.p50 === undefined || b.throughputPercentiles('p0/m', now) === undefined); i++) await new Promise((r) => setTimeout(r, 20));
      expect(b.ttfbPercentiles('p0/m', now)).toEqual(a.ttfbPercentiles('p0/m', now));
      expect(b.throughputPercentiles('p0/m', now)).toEqual(a.throughputPercentiles('p0/m', now));
    } finally {
      for (const stop of stops) stop();
      await Promise.all([stateA.close(), stateB.close()]);
    }
  });
});
