/**
 * Generators and harness for the failover engine's property tests: a fake clock, generated providers,
 * key pools, candidates, initial health and a scripted transport (one outcome and latency per
 * (upstream, key)), plus small independent oracles the properties compare the engine against.
 */
import fc from 'fast-check';
import type { KeyStrategy } from '../../src/bundle/format.js';
import type { AttemptRequest, Clock, LoopResult, LoopSettings, Transport } from '../../src/runtime/engine/attempt-loop.js';
import { HealthState, keyId, upstreamId } from '../../src/runtime/engine/health.js';
import { KeyPool, type Random } from '../../src/runtime/engine/key-pool.js';
import { DEFAULT_OUTLIER_POLICY, type OutlierPolicy } from '../../src/runtime/engine/outlier.js';
import type { FailoverPolicy, UpstreamOutcome } from '../../src/runtime/engine/outcome.js';
import { makeCandidate, type EngineCandidate, type EngineKey, type EngineProvider } from '../../src/runtime/engine/plan.js';
import { seededRandom } from '../../src/simulation/seeded-random.js';

export const MAX_KEYS = 4;
export const MAX_CANDIDATES = 5;
export const BASE_NOW = 1_700_000_000_000;

/** The compiler's default: failoverStatuses [401, 402, 403, 408, 429, '5xx']. */
export const DEFAULT_POLICY: FailoverPolicy = {
  failoverStatuses: new Set([401, 402, 403, 408, 429]),
  failoverClasses: new Set(['5xx'] as const),
};

export const REQUEST_ERROR_STATUSES: readonly number[] = [400, 404, 413, 422];
export const KEY_REJECTED_STATUSES: readonly number[] = [401, 402, 403];
export const UPSTREAM_FAILED_STATUSES: readonly number[] = [408, 500, 502, 503];

// ---------------------------------------------------------------------------------------------
// Clock

export class FakeClock implements Clock {
  /** Every wait the loop asked for, in order. */
  readonly slept: number[] = [];
  constructor(public t: number) {}
  now(): number {
    return this.t;
  }
  advance(ms: number): void {
    this.t += ms;
  }
  /** The loop's sleep: moves the clock at once. */
  readonly sleep = async (ms: number): Promise<void> => {
    this.slept.push(ms);
    await Promise.resolve();
    this.t += ms;
  };
}

export { seededRandom };

// ---------------------------------------------------------------------------------------------
// Scripted outcomes

export type FailureKind = 'connect' | 'timeout' | 'reset';

/** Plain data, so fast-check prints counterexamples readably. */
export type Script =
  | { kind: 'status'; status: number; retryAfterSec?: number; resetMs?: number; remainingZero?: boolean }
  | { kind: 'failure'; reason: FailureKind };

export interface ScriptStep {
  script: Script;
  /** How far the fake clock moves while this attempt is in flight. */
  latency: number;
}

export const successScriptArb: fc.Arbitrary<Script> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(200, 201).map((status): Script => ({ kind: 'status', status })) },
  {
    weight: 1,
    arbitrary: fc
      .option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined })
      .map((resetMs): Script => ({ kind: 'status', status: 200, remainingZero: true, ...(resetMs !== undefined ? { resetMs } : {}) })),
  },
);

export const rateLimitScriptArb: fc.Arbitrary<Script> = fc
  .record({
    retryAfterSec: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
    resetMs: fc.option(fc.integer({ min: 0, max: 120_000 }), { nil: undefined }),
  })
  .map(({ retryAfterSec, resetMs }): Script => ({
    kind: 'status',
    status: 429,
    ...(retryAfterSec !== undefined ? { retryAfterSec } : {}),
    ...(resetMs !== undefined ? { resetMs } : {}),
  }));

export const keyRejectedScriptArb: fc.Arbitrary<Script> = fc
  .constantFrom(...KEY_REJECTED_STATUSES)
  .map((status): Script => ({ kind: 'status', status }));

export const upstreamFailedScriptArb: fc.Arbitrary<Script> = fc.oneof(
  fc.constantFrom(...UPSTREAM_FAILED_STATUSES).map((status): Script => ({ kind: 'status', status })),
  fc.constantFrom<FailureKind>('connect', 'timeout', 'reset').map((reason): Script => ({ kind: 'failure', reason })),
);

export const requestErrorScriptArb: fc.Arbitrary<Script> = fc
  .constantFrom(...REQUEST_ERROR_STATUSES)
  .map((status): Script => ({ kind: 'status', status }));

export const scriptArb: fc.Arbitrary<Script> = fc.oneof(
  { weight: 2, arbitrary: successScriptArb },
  { weight: 1, arbitrary: requestErrorScriptArb },
  { weight: 2, arbitrary: keyRejectedScriptArb },
  { weight: 2, arbitrary: rateLimitScriptArb },
  { weight: 4, arbitrary: upstreamFailedScriptArb },
);

/** Failures only: nothing ever serves or is returned. */
export const failingScriptArb: fc.Arbitrary<Script> = fc.oneof(keyRejectedScriptArb, rateLimitScriptArb, upstreamFailedScriptArb);

/** Round latencies half the time, so that attempts end exactly on round deadlines (boundary cases). */
export const latencyArb: fc.Arbitrary<number> = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 1, max: 20 }).map((n) => n * 100),
  fc.integer({ min: 1, max: 2_000 }),
);

export function stepArb(script: fc.Arbitrary<Script> = scriptArb): fc.Arbitrary<ScriptStep> {
  return fc.record({ script, latency: latencyArb });
}

/** Go-style duration as OpenAI sends it in `x-ratelimit-reset-requests`. */
export function formatResetDuration(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const s = ms / 1000;
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${s % 60}s` : `${s}s`;
}

export function toOutcome(script: Script, body: string): UpstreamOutcome<string> {
  if (script.kind === 'failure') return { kind: 'failure', reason: script.reason, message: `${script.reason} error` };
  const headers: Record<string, string> = {};
  if (script.retryAfterSec !== undefined) headers['retry-after'] = String(script.retryAfterSec);
  if (script.resetMs !== undefined) headers['x-ratelimit-reset-requests'] = formatResetDuration(script.resetMs);
  if (script.remainingZero) headers['x-ratelimit-remaining-requests'] = '0';
  return { kind: 'response', status: script.status, headers, body };
}

export type ExpectedClass = 'success' | 'request-error' | 'key-rejected' | 'key-rate-limited' | 'upstream-failed';

/** The failover table of DESIGN.md under the default policy, written independently of outcome.ts. */
export function expectedClass(script: Script): ExpectedClass {
  if (script.kind === 'failure') return 'upstream-failed';
  const s = script.status;
  if (s >= 200 && s < 300) return 'success';
  if (KEY_REJECTED_STATUSES.includes(s)) return 'key-rejected';
  if (s === 429) return 'key-rate-limited';
  if (s === 408 || s >= 500) return 'upstream-failed';
  return 'request-error';
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export interface ProviderSpec {
  id: string;
  strategy: KeyStrategy;
  keys: EngineKey[];
  seed: number;
}

export interface SettingsSpec {
  maxAttempts: number;
  cooldownMs: number;
  keyQuarantineMs: number;
  /** Deadline relative to the start time. */
  deadlineIn: number;
  /** The defaults when absent. */
  outlier?: OutlierPolicy;
}

export interface Scenario {
  now: number;
  providers: ProviderSpec[];
  /** Provider index per candidate, in rank order; candidate i serves model `m{i}`, so upstreams are distinct. */
  candidates: number[];
  /** Per candidate: initial upstream cooldown, relative to `now` (<= 0 is an expired mark). */
  cooling: Array<number | undefined>;
  /** Per provider, per key: initial quarantine relative to `now`. */
  quarantine: Array<Array<number | undefined>>;
  /** Indexed by `candidate * MAX_KEYS + key`. */
  script: ScriptStep[];
  settings: SettingsSpec;
  /** Marks that concurrent requests put in the shared health state while this request is in flight. */
  external: ExternalMark[];
}

export interface ExternalMark {
  /** Applied when this (0-based) transport call ends. */
  afterCall: number;
  target: 'upstream' | 'key';
  /** Candidate index (modulo the candidate count); for a key, its provider's key index (modulo the pool size). */
  candidate: number;
  key: number;
  /** Relative to the clock when applied. */
  offset: number;
}

export const externalMarkArb: fc.Arbitrary<ExternalMark> = fc.record({
  afterCall: fc.nat({ max: 6 }),
  target: fc.constantFrom<'upstream' | 'key'>('upstream', 'key'),
  candidate: fc.nat({ max: MAX_CANDIDATES - 1 }),
  key: fc.nat({ max: MAX_KEYS - 1 }),
  offset: fc.integer({ min: 1, max: 60_000 }),
});

const keyArb = (i: number, presentBias: number): fc.Arbitrary<EngineKey> =>
  fc.record({
    name: fc.constant(`k${i}`),
    weight: fc.integer({ min: 1, max: 5 }),
    tier: fc.constantFrom<'byok' | 'shared'>('byok', 'shared', 'shared'),
    present: fc.integer({ min: 0, max: 99 }).map((n) => n >= presentBias),
  });

const providerArb = (i: number, presentBias: number): fc.Arbitrary<ProviderSpec> =>
  fc.record({
    id: fc.constant(`p${i}`),
    strategy: fc.constantFrom<KeyStrategy>('fallback', 'round-robin', 'weighted', 'random'),
    keys: fc
      .integer({ min: 1, max: MAX_KEYS })
      .chain((n) => fc.tuple(...Array.from({ length: n }, (_, k) => keyArb(k, presentBias)))),
    seed: fc.integer(),
  });

const markArb = (probability: number): fc.Arbitrary<number | undefined> => {
  const marked = fc.oneof(fc.integer({ min: -5_000, max: 0 }), fc.integer({ min: 1, max: 60_000 }));
  if (probability <= 0) return fc.constant(undefined);
  if (probability >= 100) return marked;
  return fc.oneof({ weight: 100 - probability, arbitrary: fc.constant(undefined) }, { weight: probability, arbitrary: marked });
};

export interface ScenarioOptions {
  /** Outcomes of the scripted transport. */
  script?: fc.Arbitrary<Script>;
  /** Percent chance that an initial health mark exists (cooldown or quarantine); 0 for a healthy start. */
  markProbability?: number;
  /** Percent of keys whose environment variable is unset. */
  absentPercent?: number;
  maxAttempts?: fc.Arbitrary<number>;
  deadlineIn?: fc.Arbitrary<number>;
  minCandidates?: number;
  /** Let concurrent requests mark health mid-request (default: when markProbability > 0). */
  external?: boolean;
}

export function scenarioArb(options: ScenarioOptions = {}): fc.Arbitrary<Scenario> {
  const markP = options.markProbability ?? 25;
  const absent = options.absentPercent ?? 10;
  return fc
    .integer({ min: 1, max: 4 })
    .chain((nProviders) =>
      fc.record({
        now: fc.integer({ min: 0, max: 1_000_000 }).map((n) => BASE_NOW + n),
        providers: fc.tuple(...Array.from({ length: nProviders }, (_, i) => providerArb(i, absent))),
        candidates: fc.array(fc.integer({ min: 0, max: nProviders - 1 }), {
          minLength: options.minCandidates ?? 1,
          maxLength: MAX_CANDIDATES,
        }),
        cooling: fc.array(markArb(markP), { minLength: MAX_CANDIDATES, maxLength: MAX_CANDIDATES }),
        quarantine: fc.array(fc.array(markArb(markP), { minLength: MAX_KEYS, maxLength: MAX_KEYS }), {
          minLength: nProviders,
          maxLength: nProviders,
        }),
        script: fc.array(stepArb(options.script), {
          minLength: MAX_CANDIDATES * MAX_KEYS,
          maxLength: MAX_CANDIDATES * MAX_KEYS,
        }),
        external: (options.external ?? markP > 0) ? fc.array(externalMarkArb, { maxLength: 3 }) : fc.constant([]),
        settings: fc.record({
          maxAttempts:
            options.maxAttempts ??
            fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 2 }) }, { weight: 6, arbitrary: fc.integer({ min: 3, max: 20 }) }),
          cooldownMs: fc.integer({ min: 1_000, max: 60_000 }),
          keyQuarantineMs: fc.integer({ min: 600_000, max: 86_400_000 }),
          deadlineIn:
            options.deadlineIn ??
            fc.oneof(
              { weight: 1, arbitrary: fc.constant(0) },
              { weight: 2, arbitrary: fc.integer({ min: 1, max: 60 }).map((n) => n * 100) },
              { weight: 1, arbitrary: fc.integer({ min: 0, max: 6_000 }) },
              { weight: 8, arbitrary: fc.constant(10_000_000) },
            ),
        }),
      }),
    );
}

export interface World {
  scenario: Scenario;
  providers: EngineProvider[];
  candidates: EngineCandidate[];
  health: HealthState;
  clock: FakeClock;
  settings: LoopSettings;
}

export function buildWorld(scenario: Scenario, policy: FailoverPolicy = DEFAULT_POLICY): World {
  const providers: EngineProvider[] = scenario.providers.map((p) => ({
    id: p.id,
    pool: new KeyPool(p.keys.map((k) => ({ ...k })), p.strategy, seededRandom(p.seed)),
  }));
  const candidates = scenario.candidates.map((p, i) => makeCandidate(providers[p]!, `m${i}`));
  const peers = candidates.map((c) => c.upstream);
  for (const c of candidates) c.peers = peers;
  const health = new HealthState();
  candidates.forEach((c, i) => {
    const offset = scenario.cooling[i];
    if (offset !== undefined) health.coolUpstream(c.upstream, scenario.now + offset, 'http_503', scenario.now - 1);
  });
  scenario.providers.forEach((p, pi) =>
    p.keys.forEach((k, ki) => {
      const offset = scenario.quarantine[pi]?.[ki];
      if (offset !== undefined) health.quarantineKey(keyId(p.id, k.name), scenario.now + offset, 'http_429', scenario.now - 1, true);
    }),
  );
  const s = scenario.settings;
  const settings: LoopSettings = {
    ...policy,
    maxAttempts: s.maxAttempts,
    cooldownMs: s.cooldownMs,
    keyQuarantineMs: s.keyQuarantineMs,
    outlier: s.outlier ?? DEFAULT_OUTLIER_POLICY,
    deadline: scenario.now + s.deadlineIn,
  };
  return { scenario, providers, candidates, health, clock: new FakeClock(scenario.now), settings };
}

/** The scripted step for (candidate index, key index). */
export function stepFor(scenario: Scenario, candidate: number, key: number): ScriptStep {
  return scenario.script[candidate * MAX_KEYS + key]!;
}

export function keyIndexOf(candidate: EngineCandidate, key: EngineKey): number {
  return candidate.provider.pool.keys.indexOf(key);
}

// ---------------------------------------------------------------------------------------------
// Health snapshots and an independent availability oracle

export interface HealthSnapshot {
  upstreams: Map<string, number>;
  keys: Map<string, number>;
}

export function snapshot(health: HealthState): HealthSnapshot {
  return {
    upstreams: new Map([...health.upstreams].map(([id, m]) => [id, m.until])),
    keys: new Map([...health.keys].map(([id, m]) => [id, m.until])),
  };
}

export function upstreamCooling(h: HealthSnapshot, upstream: string, t: number): boolean {
  const until = h.upstreams.get(upstream);
  return until !== undefined && until > t;
}

export function keyQuarantined(h: HealthSnapshot, provider: string, key: string, t: number): boolean {
  const until = h.keys.get(keyId(provider, key));
  return until !== undefined && until > t;
}

/** Indices of the candidate's keys that are present and not quarantined at `t`. */
export function usableKeys(c: EngineCandidate, h: HealthSnapshot, t: number): number[] {
  const out: number[] = [];
  c.provider.pool.keys.forEach((k, i) => {
    if (k.present && !keyQuarantined(h, c.provider.id, k.name, t)) out.push(i);
  });
  return out;
}

/** An outlier policy small enough for generated request sequences to trip it. */
export const outlierPolicyArb: fc.Arbitrary<OutlierPolicy> = fc.record({
  consecutive: fc.integer({ min: 1, max: 6 }),
  failureRate: fc.constantFrom(0.25, 0.5, 0.75, 1),
  minRequests: fc.integer({ min: 1, max: 12 }),
  windowMs: fc.constantFrom(1_000, 10_000, 60_000),
  maxEjectionPercent: fc.integer({ min: 0, max: 100 }),
  maxCooldownMs: fc.integer({ min: 0, max: 600_000 }),
});

/** Eligible: not cooling and with a present, non-quarantined key. */
export function eligible(c: EngineCandidate, h: HealthSnapshot, t: number): boolean {
  return !upstreamCooling(h, c.upstream, t) && usableKeys(c, h, t).length > 0;
}

/**
 * When a candidate with a present key can serve again: the later of its upstream cooldown and the
 * soonest end of its keys' quarantines (marks already over count as `t`). Undefined with no present key.
 */
export function recoversAt(c: EngineCandidate, h: HealthSnapshot, t: number): number | undefined {
  const present = c.provider.pool.keys.filter((k) => k.present);
  if (present.length === 0) return undefined;
  const keyAt = Math.min(...present.map((k) => Math.max(t, h.keys.get(keyId(c.provider.id, k.name)) ?? t)));
  return Math.max(keyAt, h.upstreams.get(c.upstream) ?? t, t);
}

// ---------------------------------------------------------------------------------------------
// Scripted transport

export interface Call {
  attempt: AttemptRequest;
  candidateIndex: number;
  keyIndex: number;
  startedAt: number;
  endedAt: number;
  /** Health as the loop left it just before this call. */
  before: HealthSnapshot;
  outcome: UpstreamOutcome<string>;
  script: Script;
}

export interface ScriptedTransport {
  transport: Transport<string>;
  calls: Call[];
}

/**
 * A transport that answers (candidate, key) from the scenario's script and moves the fake clock by the
 * scripted latency. `override` may replace a call's behaviour (used by the abort property).
 */
export function scriptedTransport(
  world: World,
  override?: (call: { index: number; candidateIndex: number; keyIndex: number }) => ScriptStep | undefined,
): ScriptedTransport {
  const calls: Call[] = [];
  const transport: Transport<string> = async (attempt) => {
    const candidateIndex = world.candidates.indexOf(attempt.candidate);
    if (candidateIndex < 0) throw new Error(`transport called with an unknown candidate ${attempt.candidate.upstream}`);
    const keyIndex = keyIndexOf(attempt.candidate, attempt.key);
    if (keyIndex < 0) throw new Error(`transport called with a key not in the pool: ${attempt.key.name}`);
    const before = snapshot(world.health);
    const startedAt = world.clock.now();
    const step = override?.({ index: calls.length, candidateIndex, keyIndex }) ?? stepFor(world.scenario, candidateIndex, keyIndex);
    await Promise.resolve();
    world.clock.advance(step.latency);
    for (const m of world.scenario.external) if (m.afterCall === calls.length) applyExternal(world, m);
    const outcome = toOutcome(step.script, `${attempt.candidate.upstream}|${attempt.key.name}|${calls.length}`);
    calls.push({ attempt, candidateIndex, keyIndex, startedAt, endedAt: world.clock.now(), before, outcome, script: step.script });
    return outcome;
  };
  return { transport, calls };
}

function applyExternal(world: World, m: ExternalMark): void {
  const now = world.clock.now();
  const candidate = world.candidates[m.candidate % world.candidates.length]!;
  if (m.target === 'upstream') {
    world.health.coolUpstream(candidate.upstream, now + m.offset, 'http_503', now);
  } else {
    const keys = candidate.provider.pool.keys;
    world.health.quarantineKey(keyId(candidate.provider.id, keys[m.key % keys.length]!.name), now + m.offset, 'http_429', now, true);
  }
}

export function resultOutcome<B>(result: LoopResult<B>): UpstreamOutcome<B> | undefined {
  switch (result.kind) {
    case 'served':
    case 'returned':
      return result.outcome;
    case 'exhausted':
      return result.last;
    case 'aborted':
      return undefined;
  }
}

export { keyId, upstreamId };
