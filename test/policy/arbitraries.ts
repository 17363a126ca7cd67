/**
 * Generators for the routing-policy property tests: random RoutingBundles (providers with keys and tiers,
 * models with ranked candidates, prices, capabilities and parameters, presets, pools), random provider
 * preferences over a bundle's provider slugs (in random letter case), and small helpers to build the
 * serve-time table and run the planner and the attempt loop over a scripted transport on a fake clock.
 */
import fc from 'fast-check';
import {
  BUNDLE_FORMAT,
  type BundleCandidate,
  type BundleKey,
  type BundleModel,
  type BundlePool,
  type BundlePreset,
  type BundlePricing,
  type BundleProvider,
  type KeyStrategy,
  type ProviderPreferences,
  type RoutingBundle,
  type SortBy,
} from '../../src/bundle/format.js';
import { runAttempts, type AttemptRequest, type LoopResult, type LoopSettings } from '../../src/runtime/engine/attempt-loop.js';
import { HealthState } from '../../src/runtime/engine/health.js';
import type { UpstreamOutcome } from '../../src/runtime/engine/outcome.js';
import { planRoute, type RouteError, type RoutePlan } from '../../src/runtime/policy/plan-route.js';
import type { LiveStats } from '../../src/runtime/policy/rank-candidates.js';
import { buildRoutingTable, type Env, type RoutingTable } from '../../src/runtime/routing-table.js';
import { seededRandom } from '../../src/simulation/seeded-random.js';
import { FakeClock } from '../engine/arbitraries.js';

export const BASE_NOW = 1_700_000_000_000;

/** No request log, no access log, no telemetry: the policy tests run the planner alone. */
export const TEST_OBSERVABILITY: RoutingBundle['observability'] = {
  logging: { enabled: false, path: ':memory:', retentionDays: 0, bodies: false, bodyMaxBytes: 0, redact: true, accessLog: false },
  telemetry: { otlpHeaders: {}, serviceName: 'anyrouter-test' },
};

/** Lowercase, as the compiler requires; preferences name them in random case. */
export const PROVIDER_SLUGS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot'] as const;
export const CAPABILITIES = ['tools', 'vision', 'json', 'coding'] as const;
/** A few of ROUTABLE_PARAMETERS, so that random declarations often miss a requested one. */
export const PARAMETERS = ['tools', 'response_format', 'temperature', 'seed', 'max_tokens'] as const;
export const PRESET_NAMES = ['coding', 'cheap', 'writer', 'agent'] as const;
/** Every context is at least the request-features hint (4096), below which prompts are not measured. */
export const CONTEXTS = [4096, 8192, 32_768, 128_000, 400_000] as const;

// ---------------------------------------------------------------------------------------------
// Pieces

const ODD_PRICES = [0.1, 0.2, 0.3, 0.15, 1.1, 2.2] as const;
const REQUEST_FEES = [undefined, undefined, undefined, undefined, 0, 0.001, 0.01, 0.5] as const;

/** Multiples of 0.25 (exact in binary, so sums tie exactly) plus an occasional odd price. Integers only, for speed. */
const priceOf = (n: number): number => (n <= 24 ? n / 4 : ODD_PRICES[(n - 25) % ODD_PRICES.length]!);
export const priceArb: fc.Arbitrary<number> = fc.integer({ min: 0, max: 30 }).map(priceOf);

const pricingOf = ([prompt, completion, fee]: readonly [number, number, number]): BundlePricing => {
  const request = REQUEST_FEES[fee % REQUEST_FEES.length];
  return { prompt: priceOf(prompt), completion: priceOf(completion), ...(request !== undefined ? { request } : {}) };
};
const pricingTupleArb = fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: 30 }), fc.nat({ max: 7 }));
export const pricingArb: fc.Arbitrary<BundlePricing> = pricingTupleArb.map(pricingOf);

export const keyStrategyArb: fc.Arbitrary<KeyStrategy> = fc.constantFrom('fallback', 'round-robin', 'weighted', 'random');

/** Mixes the letter case of a slug: provider slugs match case-insensitively. */
export function recase(slug: string, mask: number): string {
  return [...slug].map((ch, i) => ((mask >> i % 16) & 1 ? ch.toUpperCase() : ch)).join('');
}

const recasedArb = (slug: string) => fc.nat({ max: 0xffff }).map((mask) => recase(slug, mask));

/** A list of slugs from `pool` (unique), each in random case, with an optional slug no provider has. */
export function slugListArb(pool: readonly string[], options: { minLength?: number; maxLength?: number; unknown?: boolean } = {}): fc.Arbitrary<string[]> {
  return fc
    .tuple(
      fc.shuffledSubarray([...pool], { minLength: Math.min(options.minLength ?? 0, pool.length), maxLength: Math.min(options.maxLength ?? pool.length, pool.length) }),
      fc.array(fc.nat({ max: 0xffff }), { minLength: pool.length, maxLength: pool.length }),
      options.unknown === false ? fc.constant(false) : fc.boolean(),
    )
    .map(([slugs, masks, unknown]) => [...slugs.map((s, i) => recase(s, masks[i]!)), ...(unknown ? ['nonesuch'] : [])]);
}

// ---------------------------------------------------------------------------------------------
// Bundles

export interface BundleOptions {
  /** Models carry default `provider` preferences sometimes (off: never). */
  modelDefaults?: boolean;
  /** Some providers are of a type the runtime has no adapter for (their candidates are left out). */
  unservedTypes?: boolean;
  /** Probability-like switch: every key's variable is set in the environment. */
  allKeysPresent?: boolean;
  /** Generate presets and virtual pools too (off: none, which is cheaper). */
  presets?: boolean;
  minModels?: number;
  maxModels?: number;
}

export interface GeneratedWorld {
  bundle: RoutingBundle;
  env: Record<string, string>;
}

interface ProviderDraft {
  id: string;
  served: boolean;
  strategy: KeyStrategy;
  shared: 'fallback' | 'never';
  keys: Array<{ tier: 'byok' | 'shared'; present: boolean; weight: number }>;
}

const providerDraftArb = (id: string, options: BundleOptions): fc.Arbitrary<ProviderDraft> =>
  fc.record({
    id: fc.constant(id),
    served: options.unservedTypes ? fc.oneof({ weight: 6, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }) : fc.constant(true),
    strategy: keyStrategyArb,
    shared: fc.oneof({ weight: 3, arbitrary: fc.constant('fallback' as const) }, { weight: 1, arbitrary: fc.constant('never' as const) }),
    keys: fc.array(
      fc.record({
        tier: fc.constantFrom('byok' as const, 'shared' as const),
        present: options.allKeysPresent ? fc.constant(true) : fc.oneof({ weight: 5, arbitrary: fc.constant(true) }, { weight: 1, arbitrary: fc.constant(false) }),
        weight: fc.integer({ min: 1, max: 3 }),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  });

function toProvider(d: ProviderDraft): BundleProvider {
  const keys: BundleKey[] = d.keys.map((k, i) => ({ name: `${k.tier}-${i}`, env: keyEnv(d.id, i), weight: k.weight, tier: k.tier }));
  return {
    id: d.id,
    type: d.served ? 'openai' : 'anthropic',
    baseUrl: `https://${d.id}.example/v1`,
    keys,
    keyStrategy: d.strategy,
    timeouts: { connectMs: 1000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 },
    headers: {},
    connections: 4,
    shared: d.shared,
  };
}

export const keyEnv = (provider: string, index: number) => `KEY_${provider.toUpperCase()}_${index}`;

/** A few quantizations (with `unknown`, which also matches an upstream that declares none). */
export const QUANTIZATIONS = ['fp8', 'fp16', 'int4', 'unknown'] as const;

export type UpstreamAttributes = Pick<BundleCandidate, 'zdr' | 'dataCollection' | 'quantization' | 'distillable'>;

export const attributesArb: fc.Arbitrary<UpstreamAttributes> = fc.record(
  {
    zdr: fc.boolean(),
    dataCollection: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
    quantization: fc.constantFrom('fp8', 'fp16', 'int4', 'bf16'),
    distillable: fc.boolean(),
  },
  { requiredKeys: [] },
);

export function preferencesArb(providers: readonly string[]): fc.Arbitrary<ProviderPreferences> {
  const thresholds = fc.oneof(
    fc.integer({ min: 1, max: 500 }),
    fc.record({ p50: fc.integer({ min: 1, max: 500 }), p90: fc.integer({ min: 1, max: 900 }) }, { requiredKeys: [] }),
  );
  return fc.record(
    {
      order: slugListArb(providers, { maxLength: 3 }),
      only: slugListArb(providers, { minLength: 1 }),
      ignore: slugListArb(providers, { maxLength: 2 }),
      allow_fallbacks: fc.boolean(),
      sort: fc.oneof(
        fc.constantFrom<SortBy>('price', 'latency', 'throughput'),
        fc.record({ by: fc.constantFrom<SortBy>('price', 'latency', 'throughput'), partition: fc.constantFrom<'model' | 'none'>('model', 'none') }, { requiredKeys: ['by'] }),
      ),
      max_price: fc.record({ prompt: priceArb, completion: priceArb, request: fc.constantFrom(0, 0.001, 0.01, 1) }, { requiredKeys: [] }),
      preferred_max_latency: thresholds,
      preferred_min_throughput: thresholds,
      require_parameters: fc.boolean(),
      zdr: fc.boolean(),
      data_collection: fc.constantFrom<'allow' | 'deny'>('allow', 'deny'),
      quantizations: fc.subarray([...QUANTIZATIONS], { minLength: 1, maxLength: 3 }),
      enforce_distillable_text: fc.boolean(),
    },
    { requiredKeys: [] },
  );
}

interface ModelDraft {
  capabilities: number;
  context: number;
  maxOutput: number;
  pricing: readonly [number, number, number];
  /** Provider indices, in rank order. */
  providers: number[];
  /** Per candidate slot: an own price (or the model's), and a bitmask of declared PARAMETERS (or none declared). */
  prices: Array<readonly [number, number, number] | undefined>;
  parameters: number[];
  /** Per candidate slot: its data-policy and precision attributes (each maybe undeclared). */
  attributes: UpstreamAttributes[];
  defaults: ProviderPreferences | undefined;
  rank: number;
}

const modelDraftArb = (providerIds: readonly string[], options: BundleOptions): fc.Arbitrary<ModelDraft> =>
  fc.record({
    capabilities: fc.nat({ max: (1 << CAPABILITIES.length) - 1 }),
    context: fc.nat({ max: CONTEXTS.length - 1 }),
    maxOutput: fc.nat({ max: 5 }),
    pricing: pricingTupleArb,
    providers: fc.shuffledSubarray(
      providerIds.map((_, i) => i),
      { minLength: 1, maxLength: Math.min(4, providerIds.length) },
    ),
    prices: fc.array(fc.option(pricingTupleArb, { nil: undefined, freq: 3 }), { minLength: 4, maxLength: 4 }),
    parameters: fc.array(fc.nat({ max: 2 << PARAMETERS.length }), { minLength: 4, maxLength: 4 }),
    attributes: fc.array(attributesArb, { minLength: 4, maxLength: 4 }),
    defaults: options.modelDefaults ? fc.option(preferencesArb(providerIds), { nil: undefined, freq: 2 }) : fc.constant(undefined),
    rank: fc.integer({ min: 0, max: 100 }),
  });

const MAX_OUTPUTS = [undefined, undefined, undefined, 1024, 4096, 16_384] as const;

/** Bit PARAMETERS.length set: the upstream declares no parameters at all. */
function parametersOf(mask: number): string[] | undefined {
  if (mask & (1 << PARAMETERS.length)) return undefined;
  return PARAMETERS.filter((_, i) => mask & (1 << i)).sort();
}

export function bundleArb(options: BundleOptions = {}): fc.Arbitrary<GeneratedWorld> {
  return fc
    .shuffledSubarray([...PROVIDER_SLUGS], { minLength: 1, maxLength: 5 })
    .chain((ids) =>
      fc.record({
        providers: fc.tuple(...ids.map((id) => providerDraftArb(id, options))),
        models: fc.array(modelDraftArb(ids, options), { minLength: options.minModels ?? 1, maxLength: options.maxModels ?? 5 }),
        presetSeeds: !options.presets ? fc.constant<PresetSeed[]>([]) : fc.uniqueArray(
          fc.record({
            name: fc.constantFrom(...PRESET_NAMES),
            model: fc.nat(),
            models: fc.array(fc.nat(), { maxLength: 2 }),
            provider: fc.option(preferencesArb(ids), { nil: undefined }),
            system: fc.option(fc.constantFrom('You are terse.', 'You write code.'), { nil: undefined }),
            params: fc.dictionary(fc.constantFrom('temperature', 'top_p', 'seed', 'max_tokens'), fc.integer({ min: 0, max: 9 }), { maxKeys: 3 }),
          }),
          { minLength: 1, maxLength: 3, selector: (p) => p.name },
        ),
        poolSeeds: !options.presets ? fc.constant<number[][]>([]) : fc.array(fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), { maxLength: 2 }),
      }),
    )
    .map(({ providers, models, presetSeeds, poolSeeds }) => assemble(providers, models, presetSeeds, poolSeeds));
}

interface PresetSeed {
  name: string;
  model: number;
  models: number[];
  provider: ProviderPreferences | undefined;
  system: string | undefined;
  params: Record<string, number>;
}

function assemble(drafts: ProviderDraft[], modelDrafts: ModelDraft[], presetSeeds: PresetSeed[], poolSeeds: number[][]): GeneratedWorld {
  const providers: Record<string, BundleProvider> = {};
  const env: Record<string, string> = {};
  for (const d of drafts) {
    providers[d.id] = toProvider(d);
    d.keys.forEach((k, i) => {
      if (k.present) env[keyEnv(d.id, i)] = `secret-${d.id}-${i}`;
    });
  }
  const models: BundleModel[] = modelDrafts.map((m, i) => {
    const id = `vendor${i % 2}/model-${i}`;
    const pricing = pricingOf(m.pricing);
    const candidates: BundleCandidate[] = m.providers.map((p, rank) => {
      const parameters = parametersOf(m.parameters[rank]!);
      const own = m.prices[rank];
      return {
        provider: drafts[p]!.id,
        model: `m${i}-up`,
        priority: rank + 1,
        pricing: own !== undefined ? pricingOf(own) : { ...pricing },
        ...(parameters !== undefined ? { parameters } : {}),
        ...m.attributes[rank],
      };
    });
    const maxOutput = MAX_OUTPUTS[m.maxOutput];
    return {
      id,
      aliases: [`m${i}`],
      context: CONTEXTS[m.context]!,
      ...(maxOutput !== undefined ? { maxOutput } : {}),
      capabilities: CAPABILITIES.filter((_, b) => m.capabilities & (1 << b)).sort(),
      pricing,
      candidates,
      fallbacks: [],
      ...(m.defaults !== undefined ? { provider: m.defaults } : {}),
      rank: m.rank,
    };
  });
  models.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lookup: Record<string, string> = {};
  for (const m of models) {
    lookup[m.id.toLowerCase()] = m.id;
    for (const a of m.aliases) lookup[a.toLowerCase()] = m.id;
  }
  const ids = models.map((m) => m.id);
  const presets: Record<string, BundlePreset> = {};
  for (const s of presetSeeds) {
    presets[s.name] = {
      name: s.name,
      model: ids[s.model % ids.length]!,
      models: s.models.map((n) => ids[n % ids.length]!),
      ...(s.provider !== undefined ? { provider: s.provider } : {}),
      ...(s.system !== undefined ? { system: s.system } : {}),
      params: s.params,
    };
  }
  const pools: Record<string, BundlePool> = {};
  poolSeeds.forEach((seed, i) => {
    const id = `anyrouter/pool-${i}`;
    pools[id] = { id, members: [...new Set(seed.map((n) => ids[n % ids.length]!))] };
  });
  const bundle: RoutingBundle = {
    format: BUNDLE_FORMAT,
    hash: 'test',
    routing: {
      cooldownMs: 30_000,
      keyQuarantineMs: 300_000,
      maxAttempts: 100,
      requestTimeoutMs: 600_000,
      keepAliveMs: 15_000,
      failoverStatuses: [401, 402, 403, 408, 429],
      failoverClasses: ['5xx'],
    },
    server: { port: 0, bodyLimitBytes: 1_000_000 },
    auth: { gatewayKeys: [], adminKeys: [] },
    providers,
    models,
    lookup,
    presets,
    pools,
    observability: TEST_OBSERVABILITY,
  };
  return { bundle, env };
}

// ---------------------------------------------------------------------------------------------
// Serving helpers

export { seededRandom };

export function tableOf(world: GeneratedWorld, env: Env = world.env): RoutingTable {
  return buildRoutingTable(world.bundle, env, seededRandom(7));
}

export const NO_STATS: LiveStats = { ttfb: () => undefined, throughput: () => undefined };

/** A model name a client might send for a bundle model: its id or its alias, in random case. */
export function modelNameArb(bundle: RoutingBundle): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...bundle.models), fc.boolean(), fc.nat({ max: 0xffff }))
    .map(([m, alias, mask]) => recase(alias ? m.aliases[0]! : m.id, mask));
}

export function route(table: RoutingTable, body: Record<string, unknown>, extra: { byokOnly?: boolean; stats?: LiveStats; health?: HealthState; random?: () => number; operation?: 'chat' | 'embeddings' } = {}): RoutePlan | RouteError {
  return planRoute({
    table,
    body,
    rawLength: JSON.stringify(body).length,
    health: extra.health ?? new HealthState(),
    stats: extra.stats ?? NO_STATS,
    now: BASE_NOW,
    ...(extra.byokOnly !== undefined ? { byokOnly: extra.byokOnly } : {}),
    ...(extra.operation !== undefined ? { operation: extra.operation } : {}),
    random: extra.random,
  });
}

export function isRouteError(r: RoutePlan | RouteError): r is RouteError {
  return 'status' in r;
}

export { FakeClock };

export type Behaviour = { kind: 'status'; status: number; retryAfterSec?: number } | { kind: 'failure'; reason: 'connect' | 'timeout' | 'reset' };

export function toOutcome(b: Behaviour, body: string): UpstreamOutcome<string> {
  if (b.kind === 'failure') return { kind: 'failure', reason: b.reason, message: b.reason };
  return { kind: 'response', status: b.status, headers: b.retryAfterSec !== undefined ? { 'retry-after': String(b.retryAfterSec) } : {}, body };
}

export interface Execution {
  result: LoopResult<string>;
  calls: AttemptRequest[];
}

/** Runs the attempt loop over a route plan with `behave(attempt)` deciding each outcome; each call takes 10 ms. */
export async function execute(table: RoutingTable, routed: RoutePlan, behave: (attempt: AttemptRequest) => Behaviour, health = new HealthState()): Promise<Execution> {
  const clock = new FakeClock(BASE_NOW);
  const calls: AttemptRequest[] = [];
  const bundle = table.bundle;
  const settings: LoopSettings = {
    ...table.policy,
    maxAttempts: bundle.routing.maxAttempts,
    cooldownMs: bundle.routing.cooldownMs,
    keyQuarantineMs: bundle.routing.keyQuarantineMs,
    outlier: table.outlier,
    deadline: BASE_NOW + bundle.routing.requestTimeoutMs,
  };
  const result = await runAttempts<string>({
    plan: routed.plan,
    health,
    clock,
    sleep: clock.sleep,
    settings,
    keyUsable: routed.keyUsable,
    transport: async (attempt) => {
      calls.push(attempt);
      clock.t += 10;
      return toOutcome(behave(attempt), attempt.candidate.upstream);
    },
  });
  return { result, calls };
}

export const failureBehaviourArb: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constantFrom(401, 402, 403, 408, 429, 500, 502, 503).map((status): Behaviour => ({ kind: 'status', status })),
  fc.constantFrom('connect' as const, 'timeout' as const, 'reset' as const).map((reason): Behaviour => ({ kind: 'failure', reason })),
);

/** Upstream failures that cool only the upstream (never a provider-wide key), so model groups stay independent. */
export const upstreamFailureArb: fc.Arbitrary<Behaviour> = fc.oneof(
  fc.constantFrom(408, 500, 502, 503).map((status): Behaviour => ({ kind: 'status', status })),
  fc.constantFrom('connect' as const, 'timeout' as const, 'reset' as const).map((reason): Behaviour => ({ kind: 'failure', reason })),
);

// ---------------------------------------------------------------------------------------------
// Hand-written bundles for example tests

export function handProvider(id: string, keys: Array<{ tier: 'byok' | 'shared'; env?: string }> = [{ tier: 'byok' }], extra: Partial<BundleProvider> = {}): BundleProvider {
  return {
    id,
    type: 'openai',
    baseUrl: `https://${id}.example/v1`,
    keys: keys.map((k, i) => ({ name: `${k.tier}-${i}`, env: k.env ?? keyEnv(id, i), weight: 1, tier: k.tier })),
    keyStrategy: 'fallback',
    timeouts: { connectMs: 1000, firstByteMs: 5000, idleMs: 5000, totalMs: 10_000 },
    headers: {},
    connections: 4,
    shared: 'fallback',
    ...extra,
  };
}

export function handModel(id: string, providers: readonly string[], extra: Partial<BundleModel> = {}): BundleModel {
  const pricing = { prompt: 1, completion: 2 };
  return {
    id,
    aliases: [],
    context: 128_000,
    capabilities: ['tools'],
    pricing,
    candidates: providers.map((p, i) => ({ provider: p, model: id.split('/')[1]!, priority: i + 1, pricing })),
    fallbacks: [],
    ...extra,
  };
}

/** A bundle from hand-written parts; `env` sets every key's variable unless given. */
export function handWorld(parts: { providers: BundleProvider[]; models: BundleModel[]; presets?: BundlePreset[]; pools?: BundlePool[] }, env?: Record<string, string>): GeneratedWorld {
  const models = [...parts.models].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const lookup: Record<string, string> = {};
  for (const m of models) for (const name of [m.id, ...m.aliases]) lookup[name.toLowerCase()] = m.id;
  const bundle: RoutingBundle = {
    format: BUNDLE_FORMAT,
    hash: 'test',
    routing: { cooldownMs: 30_000, keyQuarantineMs: 300_000, maxAttempts: 100, requestTimeoutMs: 600_000, keepAliveMs: 15_000, failoverStatuses: [401, 402, 403, 408, 429], failoverClasses: ['5xx'] },
    server: { port: 0, bodyLimitBytes: 1_000_000 },
    auth: { gatewayKeys: [], adminKeys: [] },
    providers: Object.fromEntries(parts.providers.map((p) => [p.id, p])),
    models,
    lookup,
    presets: Object.fromEntries((parts.presets ?? []).map((p) => [p.name, p])),
    pools: Object.fromEntries((parts.pools ?? []).map((p) => [p.id, p])),
    observability: TEST_OBSERVABILITY,
  };
  const allKeys = Object.fromEntries(parts.providers.flatMap((p) => p.keys.map((k) => [k.env, `secret-${k.env}`])));
  return { bundle, env: env ?? allKeys };
}
