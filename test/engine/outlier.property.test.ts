/**
 * Property tests of outlier detection on the health state: when an upstream is ejected (failures in a
 * row, or a failure rate over the window), never beyond maxEjectionPercent, for how long (growing with
 * repeated ejections, decaying while the upstream stays in), and back exactly at the ejection's end.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HealthState } from '../../src/runtime/engine/health.js';
import { DEFAULT_OUTLIER_POLICY, maxEjected, type OutlierPolicy } from '../../src/runtime/engine/outlier.js';
import { outlierPolicyArb } from './arbitraries.js';

const RUNS = { numRuns: 300 };
const T0 = 1_700_000_000_000;

interface Step {
  upstream: number;
  failed: boolean;
  /** Clock ms before this step. */
  advance: number;
}

const stepArb = (upstreams: number): fc.Arbitrary<Step> =>
  fc.record({ upstream: fc.nat({ max: upstreams - 1 }), failed: fc.boolean(), advance: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3_000 }), fc.integer({ min: 1, max: 400_000 })) });

describe('outlier detection (properties)', () => {
  it('maxEjected: the largest count whose share, truncated to whole percent, is within the policy, and never all', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 50 }), fc.integer({ min: 0, max: 100 }), (total, percent) => {
        const k = maxEjected(total, percent);
        expect(k).toBeLessThan(total);
        if (k > 0) expect(Math.floor((100 * k) / total)).toBeLessThanOrEqual(percent);
        if (k + 1 < total) expect(Math.floor((100 * (k + 1)) / total)).toBeGreaterThan(percent);
      }),
    );
    // the documented default: 2 of 3
    expect(maxEjected(3, DEFAULT_OUTLIER_POLICY.maxEjectionPercent)).toBe(2);
    expect(maxEjected(2, DEFAULT_OUTLIER_POLICY.maxEjectionPercent)).toBe(1);
    expect(maxEjected(1, DEFAULT_OUTLIER_POLICY.maxEjectionPercent)).toBe(0);
  });

  it('ejection never exceeds maxEjectionPercent of the model, and every ejected upstream is back at its ejection end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }).chain((n) => fc.tuple(fc.constant(n), fc.array(stepArb(n), { maxLength: 120 }))),
        outlierPolicyArb,
        fc.integer({ min: 0, max: 60_000 }),
        ([n, steps], policy, cooldownMs) => {
          const health = new HealthState();
          const peers = Array.from({ length: n }, (_, i) => `p${i}/m`);
          const allowed = maxEjected(n, policy.maxEjectionPercent);
          let now = T0;
          for (const step of steps) {
            now += step.advance;
            const id = peers[step.upstream]!;
            if (step.failed) {
              const verdict = health.recordUpstreamFailure(id, now, 'http_503', policy, cooldownMs, peers);
              if (verdict.ejected) {
                expect(verdict.until).toBeGreaterThanOrEqual(now);
                // out until its end, back exactly then
                if (verdict.until > now) expect(health.upstreamCoolingUntil(id, verdict.until - 1)).toBe(verdict.until);
                expect(health.upstreamCoolingUntil(id, verdict.until)).toBeUndefined();
              }
            } else health.recordUpstreamSuccess(id, now, policy);
            const out = peers.filter((p) => health.upstreamCoolingUntil(p, now) !== undefined);
            expect(out.length).toBeLessThanOrEqual(allowed);
          }
        },
      ),
      RUNS,
    );
  });

  it('consecutive failures eject at exactly the configured count (the rate rule kept out of reach); a non-failure starts the count over', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { maxLength: 60 }), fc.integer({ min: 1, max: 8 }), (outcomes, consecutive) => {
        const policy: OutlierPolicy = { ...DEFAULT_OUTLIER_POLICY, consecutive, minRequests: 1_000_000, maxEjectionPercent: 100 };
        const health = new HealthState();
        const peers = ['a/m', 'b/m'];
        let run = 0;
        let now = T0;
        for (const failed of outcomes) {
          now += 1;
          const ejectedBefore = health.upstreamCoolingUntil('a/m', now) !== undefined;
          if (!failed) {
            health.recordUpstreamSuccess('a/m', now, policy);
            run = 0;
            continue;
          }
          const verdict = health.recordUpstreamFailure('a/m', now, 'http_500', policy, 30_000, peers);
          if (ejectedBefore) {
            expect(verdict.ejected).toBe(false);
            continue;
          }
          run++;
          expect(verdict.ejected).toBe(run >= consecutive);
          if (verdict.ejected) run = 0;
        }
      }),
      RUNS,
    );
  });

  it('the failure-rate rule ejects when the bucketed window holds at least minRequests attempts with the share failed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ failed: fc.boolean(), advance: fc.integer({ min: 0, max: 1_500 }) }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 10 }),
        fc.constantFrom(0.25, 0.5, 0.75, 1),
        (steps, minRequests, failureRate) => {
          const policy: OutlierPolicy = { ...DEFAULT_OUTLIER_POLICY, consecutive: 1_000_000, minRequests, failureRate, windowMs: 10_000, maxEjectionPercent: 100 };
          const bucket = policy.windowMs / 10;
          const health = new HealthState();
          const peers = ['a/m', 'b/m'];
          /** Attempts since the last ejection: (bucket index, failed). */
          let seen: Array<{ b: number; failed: boolean }> = [];
          let now = T0;
          for (const step of steps) {
            now += step.advance;
            const ejectedBefore = health.upstreamCoolingUntil('a/m', now) !== undefined;
            seen.push({ b: Math.floor(now / bucket), failed: step.failed });
            if (!step.failed) {
              health.recordUpstreamSuccess('a/m', now, policy);
              continue;
            }
            const verdict = health.recordUpstreamFailure('a/m', now, 'http_500', policy, 30_000, peers);
            if (ejectedBefore) continue;
            const current = Math.floor(now / bucket);
            const inWindow = seen.filter((x) => x.b > current - 10);
            const failures = inWindow.filter((x) => x.failed).length;
            expect(verdict.ejected).toBe(inWindow.length >= minRequests && failures >= failureRate * inWindow.length);
            if (verdict.ejected) seen = [];
          }
        },
      ),
      RUNS,
    );
  });

  it('an ejection lasts cooldownMs times the recent ejections (capped), growing when repeated and decaying one step per cooldownMs spent in', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 200_000 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 60_000 }),
        fc.integer({ min: 0, max: 400_000 }),
        (gaps, cooldownMs, maxCooldownMs) => {
          const policy: OutlierPolicy = { ...DEFAULT_OUTLIER_POLICY, consecutive: 1, maxEjectionPercent: 100, maxCooldownMs };
          const health = new HealthState();
          const peers = ['a/m', 'b/m'];
          let level = 0;
          let lastEnd = -Infinity;
          let now = T0;
          let previousLength: number | undefined;
          for (const gap of gaps) {
            // the next ejection comes `gap` ms after the last one ended
            now = Math.max(now, lastEnd === -Infinity ? now : lastEnd) + gap;
            const verdict = health.recordUpstreamFailure('a/m', now, 'http_500', policy, cooldownMs, peers);
            expect(verdict.ejected).toBe(true);
            if (!verdict.ejected) return;
            const decayed = lastEnd === -Infinity ? 0 : Math.max(0, level - Math.floor((now - lastEnd) / cooldownMs));
            level = decayed + 1;
            const length = Math.min(cooldownMs * level, maxCooldownMs);
            expect(verdict.until - now).toBe(length);
            // straight after the last one ended: at least as long; after a long rest: back to one cooldown
            if (previousLength !== undefined && gap === 0) expect(length).toBeGreaterThanOrEqual(previousLength);
            if (previousLength !== undefined && gap >= cooldownMs * 20) expect(length).toBe(Math.min(cooldownMs, maxCooldownMs));
            previousLength = length;
            lastEnd = verdict.until;
            now = verdict.until;
          }
        },
      ),
      RUNS,
    );
  });
});
