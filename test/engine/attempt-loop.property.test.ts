/**
 * Property tests of the attempt loop against the failover contract in DESIGN.md
 * ("Failover semantics"): generated providers, key pools, health and a scripted transport on a fake clock.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runAttempts, type LoopResult } from '../../src/runtime/engine/attempt-loop.js';
import type { UpstreamOutcome } from '../../src/runtime/engine/outcome.js';
import { planAttempts, type Plan } from '../../src/runtime/engine/plan.js';
import {
  buildWorld,
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

  it('2. tries candidates in plan order and skips only those cooling or without a usable key when reached', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(), async (sc) => {
        const { world, plan, calls, result } = await runScenario(sc);
        const positions = calls.map((c) => plan.order.indexOf(c.attempt.candidate));
        // only planned candidates are tried, in non-decreasing plan position (each candidate's attempts contiguous)
        for (const [i, p] of positions.entries()) {
          expect(p).toBeGreaterThanOrEqual(0);
          if (i > 0) expect(p).toBeGreaterThanOrEqual(positions[i - 1]!);
        }
        // every attempt used a present key; outside a probe, on a non-cooling upstream with a non-quarantined key
        for (const [i, call] of calls.entries()) {
          const { candidate, key } = call.attempt;
          expect(key.present).toBe(true);
          const probing = plan.probe && positions[i] === 0;
          if (!probing) {
            expect(upstreamCooling(call.before, candidate.upstream, call.startedAt)).toBe(false);
            expect(keyQuarantined(call.before, candidate.provider.id, key.name, call.startedAt)).toBe(false);
          }
        }
        // within a candidate, keys come from the pool: BYOK before shared; `fallback` takes the first one
        for (const [i, call] of calls.entries()) {
          const { candidate } = call.attempt;
          const keys = candidate.provider.pool.keys;
          const probing = plan.probe && positions[i] === 0;
          const triedBefore = new Set(calls.slice(0, i).filter((c, j) => positions[j] === positions[i]).map((c) => c.keyIndex));
          const open = (probing ? keys.flatMap((k, ki) => (k.present ? [ki] : [])) : usableKeys(candidate, call.before, call.startedAt)).filter(
            (ki) => !triedBefore.has(ki),
          );
          const byok = open.filter((ki) => keys[ki]!.tier === 'byok');
          const preferred = byok.length > 0 ? byok : open;
          expect(preferred).toContain(call.keyIndex);
          if (candidate.provider.pool.strategy === 'fallback') expect(call.keyIndex).toBe(preferred[0]);
        }
        // a position is left only when its upstream failed, or it is cooling, or it has no untried usable key
        const lastPosition = positions.length > 0 ? positions[positions.length - 1]! : -1;
        const leftUpTo = result.kind === 'exhausted' && result.why === 'all-failed' ? plan.order.length : lastPosition;
        const finalHealth = snapshot(world.health);
        for (let p = 0; p < leftUpTo; p++) {
          const candidate = plan.order[p]!;
          const onP = calls.filter((_, i) => positions[i] === p);
          const lastOnP = onP[onP.length - 1];
          if (lastOnP !== undefined && expectedClass(lastOnP.script) === 'upstream-failed') continue;
          const next = calls.find((_, i) => positions[i]! > p);
          const h: HealthSnapshot = next ? next.before : finalHealth;
          const t = next ? next.startedAt : world.clock.now();
          const probing = plan.probe && p === 0;
          const tried = new Set(onP.map((c) => c.keyIndex));
          const remaining = probing
            ? candidate.provider.pool.keys.flatMap((k, i) => (k.present ? [i] : []))
            : usableKeys(candidate, h, t);
          const cooling = !probing && upstreamCooling(h, candidate.upstream, t);
          expect(cooling || remaining.every((i) => tried.has(i)), `left ${candidate.upstream} with an untried usable key`).toBe(true);
        }
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

  it('7. if an eligible candidate would succeed within the bounds, the client gets a success (or its own request error)', async () => {
    await fc.assert(
      fc.asyncProperty(
        scenarioArb({ maxAttempts: fc.constant(MAX_CANDIDATES * MAX_KEYS), deadlineIn: fc.constant(10_000_000), external: false }),
        fc.nat(),
        fc.nat(),
        async (generated, pickCandidate, pickKey) => {
          const probe = buildWorld(generated);
          const h0 = snapshot(probe.health);
          const eligibleIdx = probe.candidates.flatMap((c, i) =>
            !upstreamCooling(h0, c.upstream, generated.now) && usableKeys(c, h0, generated.now).length > 0 ? [i] : [],
          );
          fc.pre(eligibleIdx.length > 0);
          const target = eligibleIdx[pickCandidate % eligibleIdx.length]!;
          const usable = usableKeys(probe.candidates[target]!, h0, generated.now);
          const goodKey = usable[pickKey % usable.length]!;
          // The target serves with goodKey; its other keys are rejected (never an upstream failure, which
          // would rightly move on); no other upstream of the same provider rejects or rate-limits goodKey.
          const script = generated.script.map((step) => ({ ...step }));
          const set = (c: number, k: number, s: Script): void => {
            script[c * MAX_KEYS + k] = { script: s, latency: script[c * MAX_KEYS + k]!.latency };
          };
          for (let k = 0; k < MAX_KEYS; k++) {
            const cls = expectedClass(stepFor(generated, target, k).script);
            if (k === goodKey) set(target, k, { kind: 'status', status: 200 });
            else if (cls !== 'success' && cls !== 'key-rejected' && cls !== 'key-rate-limited') set(target, k, { kind: 'status', status: 401 });
          }
          generated.candidates.forEach((p, c) => {
            if (c === target || p !== generated.candidates[target]) return;
            const cls = expectedClass(stepFor(generated, c, goodKey).script);
            if (cls === 'key-rejected' || cls === 'key-rate-limited') set(c, goodKey, { kind: 'status', status: 503 });
          });
          const sc: Scenario = { ...generated, script };
          const { calls, result } = await runScenario(sc);
          const last = calls[calls.length - 1];
          if (result.kind === 'returned') {
            expect(expectedClass(last!.script)).toBe('request-error');
          } else {
            expect(result.kind).toBe('served');
            if (result.kind === 'served') {
              expect(result.outcome.status).toBeGreaterThanOrEqual(200);
              expect(result.outcome.status).toBeLessThan(300);
            }
          }
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

  it('9. health effects follow the failover table (model-based, from a healthy start)', async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb({ markProbability: 0 }), async (sc) => {
        const { world, calls, result } = await runScenario(sc);
        const { cooldownMs, keyQuarantineMs } = world.settings;
        const upstreams = new Map<string, number>();
        const keys = new Map<string, number>();
        const mark = (m: Map<string, number>, id: string, until: number): void => {
          m.set(id, Math.max(m.get(id) ?? -Infinity, until));
        };
        for (const call of calls) {
          const kid = keyId(call.attempt.candidate.provider.id, call.attempt.key.name);
          const s = call.script;
          switch (expectedClass(s)) {
            case 'success':
              upstreams.delete(call.attempt.candidate.upstream);
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
            case 'upstream-failed':
              mark(upstreams, call.attempt.candidate.upstream, call.endedAt + cooldownMs);
              break;
            case 'request-error':
              break;
          }
        }
        const actual = snapshot(world.health);
        expect(actual.upstreams).toEqual(upstreams);
        expect(actual.keys).toEqual(keys);
        // the attempt records carry the engine's class for each outcome
        if (result.kind !== 'aborted') result.attempts.forEach((a, i) => expect(a.outcome).toBe(expectedClass(calls[i]!.script)));
      }),
      RUNS,
    );
  });
});
