import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAttempts, type LoopSettings } from '../../src/runtime/engine/attempt-loop.js';
import { HealthState, keyId } from '../../src/runtime/engine/health.js';
import { KeyPool } from '../../src/runtime/engine/key-pool.js';
import { classifyOutcome, classifyStatus, type UpstreamOutcome } from '../../src/runtime/engine/outcome.js';
import { makeCandidate, planAttempts, type EngineCandidate, type EngineProvider } from '../../src/runtime/engine/plan.js';
import { DEFAULT_OUTLIER_POLICY } from '../../src/runtime/engine/outlier.js';
import { DEFAULT_POLICY, FakeClock, REQUEST_ERROR_STATUSES } from './arbitraries.js';

const NOW = 5_000_000;
const settings = (over: Partial<LoopSettings> = {}): LoopSettings => ({
  ...DEFAULT_POLICY,
  maxAttempts: 6,
  cooldownMs: 30_000,
  keyQuarantineMs: 3_600_000,
  outlier: DEFAULT_OUTLIER_POLICY,
  deadline: NOW + 60_000,
  ...over,
});

function provider(id: string, keyNames: string[] = ['k0']): EngineProvider {
  return { id, pool: new KeyPool(keyNames.map((name) => ({ name, weight: 1, tier: 'shared' as const, present: true })), 'fallback') };
}

const response = (status: number, headers: Record<string, string> = {}): UpstreamOutcome<string> => ({ kind: 'response', status, headers, body: `s${status}` });

/** Runs the loop once over `candidates`, answering each call from `answers` in turn; the clock moves 100 ms per call. */
async function run(candidates: EngineCandidate[], answers: Array<UpstreamOutcome<string>>, health = new HealthState(), over: Partial<LoopSettings> = {}) {
  const clock = new FakeClock(NOW);
  const plan = planAttempts({ candidates, health, now: clock.now() });
  const calls: string[] = [];
  const result = await runAttempts({
    plan,
    health,
    clock,
    sleep: clock.sleep,
    settings: settings(over),
    transport: async ({ candidate, key }) => {
      calls.push(`${candidate.upstream}#${key.name}`);
      clock.advance(100);
      const answer = answers.shift();
      if (answer === undefined) throw new Error('unexpected call');
      return answer;
    },
  });
  return { result, calls, health, end: clock.now() };
}

describe('failover table (examples)', () => {
  const a = makeCandidate(provider('a', ['k0', 'k1']), 'm');
  const b = makeCandidate(provider('b'), 'm');

  it('2xx serves at once', async () => {
    const { result, calls } = await run([a, b], [response(200)]);
    expect(result.kind).toBe('served');
    expect(calls).toEqual(['a/m#k0']);
  });

  it.each(REQUEST_ERROR_STATUSES)('%i is returned with no failover', async (status) => {
    const { result, calls, health } = await run([a, b], [response(status)]);
    expect(result).toMatchObject({ kind: 'returned', outcome: { status } });
    expect(calls).toEqual(['a/m#k0']);
    expect(health.upstreams.size + health.keys.size).toBe(0);
    expect(health.outliers.get(a.upstream)?.consecutive).toBe(0);
  });

  it.each([401, 402, 403])('%i quarantines the key for keyQuarantineMs and tries the next key of the same upstream', async (status) => {
    const { result, calls, health } = await run([a, b], [response(status), response(200)]);
    expect(result.kind).toBe('served');
    expect(calls).toEqual(['a/m#k0', 'a/m#k1']);
    expect(health.keys.get(keyId('a', 'k0'))?.until).toBe(NOW + 100 + 3_600_000);
    expect(health.upstreams.size).toBe(0);
  });

  it('429 quarantines the key until Retry-After (seconds)', async () => {
    const { health, calls } = await run([a, b], [response(429, { 'retry-after': '7' }), response(200)]);
    expect(calls).toEqual(['a/m#k0', 'a/m#k1']);
    expect(health.keys.get(keyId('a', 'k0'))?.until).toBe(NOW + 100 + 7_000);
  });

  it('429 without Retry-After quarantines the key for the cooldown', async () => {
    const { health } = await run([a, b], [response(429), response(200)]);
    expect(health.keys.get(keyId('a', 'k0'))?.until).toBe(NOW + 100 + 30_000);
  });

  it.each([
    ['408', response(408)],
    ['500', response(500)],
    ['502', response(502)],
    ['503', response(503)],
    ['connect', { kind: 'failure', reason: 'connect', message: 'ECONNREFUSED' } as const],
    ['timeout', { kind: 'failure', reason: 'timeout', message: 'timed out' } as const],
    ['reset', { kind: 'failure', reason: 'reset', message: 'ECONNRESET' } as const],
  ])('%s counts against the upstream (no ejection on one strike) and moves to the next upstream (not the next key)', async (_, failure) => {
    const { result, calls, health } = await run([a, b], [failure, response(200)]);
    expect(result.kind).toBe('served');
    expect(calls).toEqual(['a/m#k0', 'b/m#k0']);
    expect(health.upstreams.has(a.upstream)).toBe(false);
    expect(health.outliers.get(a.upstream)?.consecutive).toBe(1);
    expect(health.keys.size).toBe(0);
  });

  it('consecutive failures eject the upstream for cooldownMs; the trace says so', async () => {
    const health = new HealthState();
    const fail = response(503);
    for (let i = 0; i < 4; i++) await run([a, b], [fail, response(200)], health);
    expect(health.upstreams.has(a.upstream)).toBe(false);
    const { result } = await run([a, b], [fail, response(200)], health);
    expect(health.upstreams.get(a.upstream)?.until).toBe(NOW + 100 + 30_000);
    expect(result.attempts[0]!.nextBecause).toMatch(/ejected for 30000 ms \(5 failures in a row\)/);
    // ejected: tried after the healthy one
    const next = await run([a, b], [response(200)], health);
    expect(next.calls).toEqual(['b/m#k0']);
  });

  it('after every upstream failed, a later pass tries the keys an upstream failure left untried', async () => {
    const { result, calls } = await run([a, b], [response(500), response(502), response(200)]);
    expect(result.kind).toBe('served');
    expect(calls).toEqual(['a/m#k0', 'b/m#k0', 'a/m#k1']);
  });

  it('an ejected upstream is still tried when the healthy ones fail, and marked in the trace', async () => {
    const health = new HealthState();
    health.coolUpstream(a.upstream, NOW + 60_000, 'http_503', NOW - 1);
    const { result, calls } = await run([a, b], [response(500), response(200)], health);
    expect(calls).toEqual(['b/m#k0', 'a/m#k0']);
    expect(result.kind).toBe('served');
    expect(result.attempts.map((x) => x.routing)).toEqual([undefined, 'ejected']);
  });

  it('panic routing: every upstream ejected, all tried in rank order', async () => {
    const health = new HealthState();
    health.coolUpstream(a.upstream, NOW + 60_000, 'http_503', NOW - 1);
    health.coolUpstream(b.upstream, NOW + 60_000, 'http_503', NOW - 1);
    const { result, calls } = await run([a, b], [response(500), response(200)], health);
    expect(calls).toEqual(['a/m#k0', 'b/m#k0']);
    expect(result.attempts.map((x) => x.routing)).toEqual(['panic', 'panic']);
  });

  it('never tries a key twice in one request, even when its Retry-After ends before the deadline', async () => {
    const single = makeCandidate(provider('s'), 'm');
    const { result, calls } = await run([single], [response(429, { 'retry-after': '2' })]);
    expect(calls).toEqual(['s/m#k0']);
    expect(result).toMatchObject({ kind: 'exhausted', retryAt: NOW + 100 + 2_000 });
  });

  it('answers rate-limited with the soonest retry time when every key is quarantined past the deadline', async () => {
    const health = new HealthState();
    health.quarantineKey(keyId('a', 'k0'), NOW + 120_000, 'http_429', NOW - 1, true);
    health.quarantineKey(keyId('a', 'k1'), NOW + 90_000, 'http_429', NOW - 1, true);
    health.quarantineKey(keyId('b', 'k0'), NOW + 100_000, 'http_429', NOW - 1, true);
    const { result, calls } = await run([a, b], [], health);
    expect(calls).toEqual([]);
    expect(result).toMatchObject({ kind: 'exhausted', why: 'rate-limited', retryAt: NOW + 90_000 });
  });

  it('a key whose quarantine ends within the deadline is waited for, then tried', async () => {
    const health = new HealthState();
    health.quarantineKey(keyId('b', 'k0'), NOW + 5_000, 'http_429', NOW - 1, true);
    const { result, calls, end } = await run([b], [response(200)], health);
    expect(result.kind).toBe('served');
    expect(calls).toEqual(['b/m#k0']);
    expect(end).toBe(NOW + 5_000 + 100);
  });

  it('a success with x-ratelimit-remaining-requests 0 quarantines the key until x-ratelimit-reset-requests', async () => {
    const { result, health } = await run([a], [response(200, { 'x-ratelimit-remaining-requests': '0', 'x-ratelimit-reset-requests': '6m0s' })]);
    expect(result.kind).toBe('served');
    expect(health.keys.get(keyId('a', 'k0'))?.until).toBe(NOW + 100 + 360_000);
  });

  it('everything failing exhausts with the last outcome and the soonest 429 retry time', async () => {
    const { result } = await run([a, b], [response(429, { 'retry-after': '3000' }), response(401), response(503)], new HealthState(), { deadline: NOW + 1_000 });
    expect(result).toMatchObject({ kind: 'exhausted', why: 'all-failed', last: { status: 503 }, retryAt: NOW + 100 + 3_000_000 });
  });

  it('maxAttempts bounds the loop', async () => {
    const { result, calls } = await run([a, b], [response(401), response(401)], new HealthState(), { maxAttempts: 2 });
    expect(calls).toHaveLength(2);
    expect(result).toMatchObject({ kind: 'exhausted', why: 'max-attempts' });
  });

  it('the deadline bounds the loop', async () => {
    const { result, calls } = await run([a, b], [response(500)], new HealthState(), { deadline: NOW + 100 });
    expect(calls).toHaveLength(1);
    expect(result).toMatchObject({ kind: 'exhausted', why: 'deadline' });
  });
});

describe('classifyStatus', () => {
  it('400/404/413/422 are the request\'s fault under any policy that does not list them explicitly', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...REQUEST_ERROR_STATUSES),
        fc.uniqueArray(fc.constantFrom(401, 402, 403, 408, 409, 429, 500, 503), { maxLength: 8 }),
        fc.subarray(['4xx', '5xx'] as Array<'4xx' | '5xx'>),
        (status, statuses, classes) => {
          expect(classifyStatus(status, { failoverStatuses: new Set(statuses), failoverClasses: new Set(classes) })).toBe('request-error');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('2xx is success under any policy', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 299 }), fc.subarray(['4xx', '5xx'] as Array<'4xx' | '5xx'>), (status, classes) => {
        expect(classifyStatus(status, { failoverStatuses: new Set([200, 201]), failoverClasses: new Set(classes) })).toBe('success');
      }),
      { numRuns: 100 },
    );
  });

  it('the default policy matches the table', () => {
    const p = DEFAULT_POLICY;
    expect([401, 402, 403].map((s) => classifyStatus(s, p))).toEqual(['key-rejected', 'key-rejected', 'key-rejected']);
    expect(classifyStatus(429, p)).toBe('key-rate-limited');
    expect([408, 500, 502, 503, 504].map((s) => classifyStatus(s, p))).toEqual(Array(5).fill('upstream-failed'));
    expect(classifyOutcome({ kind: 'failure', reason: 'aborted', message: '' }, p)).toBe('client-aborted');
    expect(classifyOutcome({ kind: 'failure', reason: 'reset', message: '' }, p)).toBe('upstream-failed');
  });
});
