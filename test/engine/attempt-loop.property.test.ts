/**
 * Property tests of the attempt loop against the failover contract in DESIGN.md
 * ("Failover semantics"): generated providers, key pools, health and a scripted transport on a fake clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAttempts, type LoopResult } from '../../src/runtime/engine/attempt-loop.js';
import type { UpstreamOutcome } from '../../src/runtime/engine/outcome.js';
import { planAttempts, type Plan } from '../../src/runtime/engine/plan.js';
import { DEFAULT_OUTLIER_POLICY, maxEjected } from '../../src/runtime/engine/outlier.js';
import {
  buildWorld,
  keyRejectedScriptArb,
  rateLimitScriptArb,
  successScriptArb,
  upstreamFailedScriptArb,
  expectedClass,
  failingScriptArb,
  keyId,
  keyQuarantined,
  MAX_CANDIDATES,
  MAX_KEYS,
  requestErrorScriptArb,
  resultOutcome,
  scenarioArb,
  scriptedTransport,
  snapshot,
  stepFor,
  upstreamCooling,
  usableKeys,
  type Call,
  type HealthSnapshot,
  type Scenario,
  type Script,
  type ScriptStep,
  type World,
} from './arbitraries.js';

const RUNS = { numRuns: 200 };

/** Anything but a request error (which rightly ends a request). */
const failingOrServingArb = fc.oneof(successScriptArb, keyRejectedScriptArb, rateLimitScriptArb, upstreamFailedScriptArb, upstreamFailedScriptArb);

interface Run {
  world: World;
  plan: Plan;
  result: LoopResult<string>;
  calls: Call[];
  discarded: Array<UpstreamOutcome<string>>;
}

async function runScenario(scenario: Scenario, signal?: AbortSignal, override?: Parameters<typeof scriptedTransport>[1]): Promise<Run> {
  const world = buildWorld(scenario);
  const plan = planAttempts({ candidates: world.candidates, health: world.health, now: world.clock.now() });
  const { transport, calls } = scriptedTransport(world, override);
  const discarded: Array<UpstreamOutcome<string>> = [];
  const result = await runAttempts({
    plan,
    health: world.health,
    clock: world.clock,
    transport,
    settings: world.settings,
    sleep: world.clock.sleep,
    discard: (o) => discarded.push(o),
    ...(signal ? { signal } : {}),
  });
  return { world, plan, result, calls, discarded };
}

const pairOf = (c: Call): string => `${c.attempt.candidate.upstream} ${c.attempt.key.name}`;

describe('attempt loop (properties)', () => {
  it('1. tries each (upstream, key) at most once per request', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxAttempts: fc.constant(MAX_CANDIDATES * MAX_KEYS), deadlineIn: fc.constant(10_000_000) }), async (sc) => {
        const { calls, result } = await runScenario(sc);
        const pairs = calls.map(pairOf);
        expect(new Set(pairs).size).toBe(pairs.length);
        expect(result.kind === 'aborted' ? 0 : result.attempts.length).toBe(calls.length);
      }),
      RUNS,
    );
  });

  it('2. passes no candidate over: an attempt on a later position only when every earlier one failed upstream in this request or had no usable key left', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (sc) => {
        const { plan, calls } = await runScenario(sc);
        const positions = calls.map((c) => plan.order.indexOf(c.attempt.candidate));
        for (const [i, call] of calls.entries()) {
          const p = positions[i]!;
          expect(p).toBeGreaterThanOrEqual(0);
          const { candidate, key } = call.attempt;
          // a present key, not quarantined when the attempt started
          expect(key.present).toBe(true);
          expect(keyQuarantined(call.before, candidate.provider.id, key.name, call.startedAt)).toBe(false);
          const triedOn = (q: number) => new Set(calls.slice(0, i).filter((_, j) => positions[j] === q).map((c) => c.keyIndex));
          for (let q = 0; q < p; q++) {
            const failedUpstream = calls.slice(0, i).some((c, j) => positions[j] === q && expectedClass(c.script) === 'upstream-failed');
            if (failedUpstream) continue;
            const tried = triedOn(q);
            const open = usableKeys(plan.order[q]!, call.before, call.startedAt).filter((k) => !tried.has(k));
            expect(open, `position ${q} was passed over with untried usable keys for position ${p}`).toEqual([]);
          }
          // within a candidate, keys come from the pool: BYOK before shared; `fallback` takes the first one
          const keys = candidate.provider.pool.keys;
          const tried = triedOn(p);
          const open = usableKeys(candidate, call.before, call.startedAt).filter((k) => !tried.has(k));
          const byok = open.filter((k) => keys[k]!.tier === 'byok');
          const preferred = byok.length > 0 ? byok : open;
          expect(preferred).toContain(call.keyIndex);
          if (candidate.provider.pool.strategy === 'fallback') expect(call.keyIndex).toBe(preferred[0]);
        }
      }),
      RUNS,
    );
  });

  it('3. gives up only when nothing is left: every present key was tried, or is quarantined past the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxAttempts: fc.constant(MAX_CANDIDATES * MAX_KEYS), deadlineIn: fc.constant(10_000_000) }), async (sc) => {
        const { world, plan, calls, result } = await runScenario(sc);
        if (result.kind !== 'exhausted' || (result.why !== 'all-failed' && result.why !== 'rate-limited')) return;
        const end = snapshot(world.health);
        plan.order.forEach((candidate, p) => {
          const tried = new Set(calls.filter((c) => c.attempt.candidate === candidate).map((c) => c.keyIndex));
          candidate.provider.pool.keys.forEach((k, ki) => {
            if (!k.present || tried.has(ki)) return;
            // a key rejected (401/403) stays out; a rate-limited one is waited for unless it recovers past the deadline
            const m = world.health.keys.get(keyId(candidate.provider.id, k.name));
            expect(m, `position ${p} key ${k.name} was left untried`).toBeDefined();
            if (m!.rateLimited) expect(m!.until, `position ${p} key ${k.name} was left untried`).toBeGreaterThanOrEqual(world.settings.deadline);
            else expect(m!.until).toBeGreaterThan(world.clock.now());
          });
        });
        if (result.why === 'rate-limited') expect(result.retryAt).toBeDefined();
      }),
      RUNS,
    );
  });

  it('5. a 400/404/413/422 is returned as is, with no further attempt', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (sc) => {
        const { calls, result } = await runScenario(sc);
        const firstRequestError = calls.findIndex((c) => expectedClass(c.script) === 'request-error');
        if (firstRequestError >= 0) {
          expect(firstRequestError).toBe(calls.length - 1);
          expect(result.kind).toBe('returned');
          if (result.kind === 'returned') expect(result.outcome).toBe(calls[firstRequestError]!.outcome);
        } else {
          expect(result.kind).not.toBe('returned');
        }
      }),
      RUNS,
    );
  });

  it('5b. when every upstream answers a request error, exactly one attempt is made', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ markProbability: 0, absentPercent: 0, maxAttempts: fc.integer({ min: 1, max: 20 }), deadlineIn: fc.constant(10_000_000) }),
        requestErrorScriptArb,
        async (sc, script) => {
          const { calls, result } = await runScenario(sc, undefined, () => ({ script, latency: 5 }));
          expect(calls).toHaveLength(1);
          expect(result.kind).toBe('returned');
          if (result.kind === 'returned' && script.kind === 'status') expect(result.outcome.status).toBe(script.status);
        },
      ),
      RUNS,
    );
  });

  it('6. attempts never exceed maxAttempts and none starts at or after the deadline', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ script: failingScriptArb }), async (sc) => {
        const { world, calls, result } = await runScenario(sc);
        const { maxAttempts, deadline } = world.settings;
        expect(calls.length).toBeLessThanOrEqual(maxAttempts);
        for (const [i, call] of calls.entries()) {
          expect(call.startedAt).toBeLessThan(deadline);
          expect(call.attempt.index).toBe(i);
          expect(call.attempt.deadline).toBe(deadline);
          expect(call.attempt.firstByteBy).toBeGreaterThanOrEqual(call.startedAt);
          expect(call.attempt.firstByteBy).toBeLessThanOrEqual(deadline);
        }
        if (result.kind === 'aborted') throw new Error('no abort was requested');
        expect(result.attempts).toHaveLength(calls.length);
        result.attempts.forEach((a, i) => {
          expect(a.startedAt).toBe(calls[i]!.startedAt);
          expect(a.endedAt).toBe(calls[i]!.endedAt);
          expect(a.upstream).toBe(calls[i]!.attempt.candidate.upstream);
          expect(a.key).toBe(calls[i]!.attempt.key.name);
        });
        if (result.kind === 'exhausted' && result.why === 'max-attempts') expect(calls.length).toBe(maxAttempts);
        if (result.kind === 'exhausted' && result.why === 'deadline') expect(world.clock.now()).toBeGreaterThanOrEqual(deadline);
      }),
      RUNS,
    );
  });

  it('7. if some candidate, ejected or not, would succeed within maxAttempts and the deadline, the client gets a success', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ script: failingOrServingArb, maxAttempts: fc.constant(MAX_CANDIDATES * MAX_KEYS), deadlineIn: fc.constant(10_000_000), external: false, markProbability: 40 }),
        fc.nat(),
        fc.nat(),
        async (generated, pickCandidate, pickKey) => {
          const probe = buildWorld(generated);
          const withKey = probe.candidates.flatMap((c, i) => (c.provider.pool.keys.some((k) => k.present) ? [i] : []));
          fc.pre(withKey.length > 0);
          const target = withKey[pickCandidate % withKey.length]!;
          const present = probe.candidates[target]!.provider.pool.keys.flatMap((k, i) => (k.present ? [i] : []));
          const goodKey = present[pickKey % present.length]!;
          const script = generated.script.map((step) => ({ ...step }));
          const set = (c: number, k: number, s: Script): void => {
            script[c * MAX_KEYS + k] = { script: s, latency: script[c * MAX_KEYS + k]!.latency };
          };
          set(target, goodKey, { kind: 'status', status: 200 });
          // another upstream of the same provider rejecting that key would quarantine it past the deadline
          generated.candidates.forEach((p, c) => {
            if (c !== target && p === generated.candidates[target] && expectedClass(stepFor(generated, c, goodKey).script) === 'key-rejected') set(c, goodKey, { kind: 'status', status: 503 });
          });
          const { calls, result } = await runScenario({ ...generated, script });
          expect(result.kind, `calls: ${calls.map(pairOf).join(', ')}`).toBe('served');
          if (result.kind === 'served') expect(result.outcome.status).toBeLessThan(300);
        },
      ),
      RUNS,
    );
  });

  it('8. exactly one result: a known kind, the served/returned outcome is the last one, nothing runs after it', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (sc) => {
        const { calls, result, discarded } = await runScenario(sc);
        expect(['served', 'returned', 'exhausted', 'aborted']).toContain(result.kind);
        const last = calls[calls.length - 1];
        if (result.kind === 'served') {
          expect(result.outcome).toBe(last!.outcome);
          expect(expectedClass(last!.script)).toBe('success');
        }
        // a success ends the request: no attempt after one
        calls.slice(0, -1).forEach((c) => expect(expectedClass(c.script)).not.toBe('success'));
        if (result.kind === 'exhausted' && calls.length > 0) expect(result.last).toBe(last!.outcome);
        if (result.kind === 'exhausted' && result.why === 'refused') expect(calls).toHaveLength(0);
        // the loop does not keep calling the transport once it has resolved
        const before = calls.length;
        for (let i = 0; i < 5; i++) await Promise.resolve();
        await new Promise((r) => setImmediate(r));
        expect(calls.length).toBe(before);
        // discard only ever sees transport outcomes, once each, and never the one handed back
        const handedBack = resultOutcome(result);
        const produced = new Set<UpstreamOutcome<string>>(calls.map((c) => c.outcome));
        expect(new Set(discarded).size).toBe(discarded.length);
        for (const d of discarded) {
          expect(produced.has(d)).toBe(true);
          expect(d).not.toBe(handedBack);
        }
      }),
      RUNS,
    );
  });

  it('8b. an abort stops the loop: no transport call after it, and an aborted upstream call ends it as aborted', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ script: failingScriptArb, maxAttempts: fc.constant(MAX_CANDIDATES * MAX_KEYS), deadlineIn: fc.constant(10_000_000) }),
        fc.nat({ max: 6 }),
        fc.oneof(fc.constant<'aborted-call'>('aborted-call'), failingScriptArb),
        async (sc, abortAt, atAbort) => {
          const controller = new AbortController();
          let abortedAfter: number | undefined;
          const override = ({ index }: { index: number }): ScriptStep | undefined => {
            if (index !== abortAt) return undefined;
            controller.abort();
            abortedAfter = index + 1;
            return atAbort === 'aborted-call' ? undefined : { script: atAbort, latency: 3 };
          };
          // The 'aborted-call' variant: the transport sees the abort and fails with reason 'aborted'.
          const world = buildWorld(sc);
          const plan = planAttempts({ candidates: world.candidates, health: world.health, now: world.clock.now() });
          const scripted = scriptedTransport(world, override);
          let abortedOutcome: UpstreamOutcome<string> | undefined;
          const transport = async (attempt: Parameters<typeof scripted.transport>[0]): Promise<UpstreamOutcome<string>> => {
            const out = await scripted.transport(attempt);
            if (atAbort === 'aborted-call' && controller.signal.aborted && abortedOutcome === undefined) {
              abortedOutcome = { kind: 'failure', reason: 'aborted', message: 'client went away' };
              return abortedOutcome;
            }
            return out;
          };
          const discarded: Array<UpstreamOutcome<string>> = [];
          const result = await runAttempts({
            plan,
            health: world.health,
            clock: world.clock,
            transport,
            settings: world.settings,
            signal: controller.signal,
            discard: (o) => discarded.push(o),
          });
          const calls = scripted.calls;
          if (abortedAfter === undefined) {
            // the abort never fired: fewer calls than abortAt
            expect(calls.length).toBeLessThanOrEqual(abortAt);
            expect(result.kind).not.toBe('aborted');
            return;
          }
          expect(calls).toHaveLength(abortedAfter);
          if (atAbort === 'aborted-call') {
            expect(result.kind).toBe('aborted');
            expect(discarded).toContain(abortedOutcome);
          } else {
            // the loop may also simply have run out of candidates right after that call
            expect(['aborted', 'exhausted']).toContain(result.kind);
            if (result.kind === 'exhausted') expect(result.why).toBe('all-failed');
          }
        },
      ),
      RUNS,
    );
  });

  it('8c. an already-aborted signal makes no upstream call', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (sc) => {
        const controller = new AbortController();
        controller.abort();
        const { calls, result, plan } = await runScenario(sc, controller.signal);
        expect(calls).toHaveLength(0);
        expect(result.kind).toBe(plan.order.length === 0 ? 'exhausted' : 'aborted');
      }),
      RUNS,
    );
  });

  it('9. health effects follow the failover table: key marks, and upstream failures counted (never ejecting on one strike by default)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ markProbability: 0 }), async (sc) => {
        const { world, calls, result } = await runScenario(sc);
        const { cooldownMs, keyQuarantineMs } = world.settings;
        const keys = new Map<string, number>();
        const consecutive = new Map<string, number>();
        const mark = (m: Map<string, number>, id: string, until: number): void => {
          m.set(id, Math.max(m.get(id) ?? -Infinity, until));
        };
        for (const call of calls) {
          const kid = keyId(call.attempt.candidate.provider.id, call.attempt.key.name);
          const upstream = call.attempt.candidate.upstream;
          const s = call.script;
          const cls = expectedClass(s);
          consecutive.set(upstream, cls === 'upstream-failed' ? (consecutive.get(upstream) ?? 0) + 1 : 0);
          switch (cls) {
            case 'success':
              if (s.kind === 'status' && s.remainingZero) mark(keys, kid, call.endedAt + (s.resetMs ?? cooldownMs));
              break;
            case 'key-rejected':
              mark(keys, kid, call.endedAt + keyQuarantineMs);
              break;
            case 'key-rate-limited': {
              const wait = s.kind === 'status' ? (s.retryAfterSec !== undefined ? s.retryAfterSec * 1000 : (s.resetMs ?? cooldownMs)) : cooldownMs;
              mark(keys, kid, call.endedAt + wait);
              break;
            }
            default:
              break;
          }
        }
        const actual = snapshot(world.health);
        expect(actual.keys).toEqual(keys);
        // one request tries an upstream at most MAX_KEYS times: below the default 5 in a row, so nothing is ejected
        expect(actual.upstreams.size).toBe(0);
        for (const [upstream, n] of consecutive) expect(world.health.outliers.get(upstream)?.consecutive).toBe(n);
        // the attempt records carry the engine's class for each outcome
        if (result.kind !== 'aborted') result.attempts.forEach((a, i) => expect(a.outcome).toBe(expectedClass(calls[i]!.script)));
      }),
      RUNS,
    );
  });

  it('9b. with consecutive: 1, each upstream failure ejects its upstream unless that would leave the model without one, or break maxEjectionPercent', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ markProbability: 0, script: failingScriptArb }), fc.integer({ min: 0, max: 100 }), async (generated, percent) => {
        const outlier = { ...DEFAULT_OUTLIER_POLICY, consecutive: 1, maxEjectionPercent: percent };
        const sc: Scenario = { ...generated, settings: { ...generated.settings, outlier } };
        const { world, calls } = await runScenario(sc);
        const peers = world.candidates.map((c) => c.upstream);
        const allowed = maxEjected(peers.length, percent);
        const final = snapshot(world.health);
        calls.forEach((call, i) => {
          const after = calls[i + 1]?.before ?? final;
          const t = call.endedAt;
          const upstream = call.attempt.candidate.upstream;
          const outAfter = peers.filter((u) => upstreamCooling(after, u, t));
          // never more than maxEjectionPercent allows, never every upstream
          expect(outAfter.length).toBeLessThanOrEqual(allowed);
          if (outAfter.length > 0) expect(Math.floor((100 * outAfter.length) / peers.length)).toBeLessThanOrEqual(percent);
          if (expectedClass(call.script) !== 'upstream-failed') return;
          const wasOut = upstreamCooling(call.before, upstream, t);
          const othersOut = peers.filter((u) => u !== upstream && upstreamCooling(call.before, u, t)).length;
          expect(upstreamCooling(after, upstream, t), `call ${i} on ${upstream}`).toBe(wasOut || othersOut + 1 <= allowed);
        });
      }),
      RUNS,
    );
  });
});
