/**
 * The serve-time view of a bundle: lookups, key pools with values from the environment, candidate lists
 * and the static responses (the model catalog), all built once at start so a request does no sorting or scanning.
 */
import type { BundleBalance, BundleCandidate, BundleModel, BundleProvider, EnvRef, RoutingBundle } from '../bundle/format.js';
import { KeyPool } from './engine/key-pool.js';
import { keyId } from './engine/health.js';
import { makeCandidate, type EngineCandidate, type EngineKey, type EngineProvider } from './engine/plan.js';
import type { FailoverPolicy } from './engine/outcome.js';
import { outlierPolicyOf, type OutlierPolicy } from './engine/outlier.js';
import type { LoopSettings } from './engine/attempt-loop.js';
import type { RoutedCandidate } from './policy/rank-candidates.js';
import { ModelCatalog } from './model-catalog.js';
import { hasPriorityTies } from './policy/priority-balance.js';
import { KeyEchoRedactor } from './http/key-echo-redaction.js';

export interface ServeKey extends EngineKey {
  /** The secret, read from the environment at start; never logged. */
  value: string | undefined;
  /** The environment variable it comes from (safe to name in messages). */
  env: string;
}

export interface ServeProvider extends EngineProvider {
  spec: BundleProvider;
  pool: KeyPool<ServeKey>;
  /** Extra headers with env references resolved. */
  headers: Record<string, string>;
  /** `scheme://host:port` of baseUrl, the undici pool key. */
  origin: string;
  /** baseUrl's path without a trailing slash, e.g. `/v1`. */
  basePath: string;
}

export interface ServeCandidate extends EngineCandidate {
  provider: ServeProvider;
  spec: BundleCandidate;
  /** `spec.priority` and `spec.weight` (default 1), copied here so balancing reads one object shape. */
  priority: number;
  weight: number;
}

/** A virtual pool model: its members that have a key at serve time, strongest first. */
export interface ServePool {
  id: string;
  members: ServeModel[];
  /** Members left out because none of their providers has a key. */
  keyless: string[];
}

export interface ServeModel {
  spec: BundleModel;
  candidates: ServeCandidate[];
  /** `[this]`, shared by every request for this model alone (read-only). */
  alone: ServeModel[];
  /** Some of its upstreams share a priority: their order is drawn per request (policy/priority-balance.ts). */
  ties: boolean;
  /** An embeddings model (the `embeddings` capability): served on `/v1/embeddings` only, and nothing else is served there. */
  embeddings: boolean;
  balance: BundleBalance;
  /** How long a served prompt prefix prefers its upstream within its priority (0 without ties or when off). */
  stickyMs: number;
  /** The candidates as routed for each position a model can take in a request, built on first use. */
  routedByGroup?: RoutedCandidate[][];
}

export interface RoutingTable {
  bundle: RoutingBundle;
  providers: Map<string, ServeProvider>;
  /** Lowercased id or alias -> model. */
  models: Map<string, ServeModel>;
  /** Lowercased pool id -> pool. */
  pools: Map<string, ServePool>;
  policy: FailoverPolicy;
  outlier: OutlierPolicy;
  /** What `GET /models` shows, serialised once (and once per gateway key limited to some models). */
  catalog: ModelCatalog;
  /** Every provider key value of the table, in every form an upstream's error can echo it: for redacting them. */
  keyEchoes: KeyEchoRedactor;
  /** Some model has prompt-cache stickiness in force (upstreams sharing a priority, `sticky` not off). */
  anySticky: boolean;
}

/** A served prompt prefix prefers its upstream this long unless the model says otherwise (`sticky`). */
export const DEFAULT_STICKY_MS = 5 * 60_000;

export type Env = Readonly<Record<string, string | undefined>>;

/** Upstream types this runtime has an adapter for (upstream/upstream-adapters.ts); candidates of other types are left out of the table. */
export const SERVED_PROVIDER_TYPES: ReadonlySet<string> = new Set(['openai', 'anthropic', 'gemini']);

/** Header values with env references read (a missing variable drops the header). */
export function resolveHeaders(headers: Record<string, string | EnvRef>, env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const resolved = resolveEnv(value, env);
    if (resolved !== undefined) out[name.toLowerCase()] = resolved;
  }
  return out;
}

function resolveEnv(value: string | EnvRef, env: Env): string | undefined {
  return typeof value === 'string' ? value : env[value.env];
}

/** Every provider key value read from the environment: never to be shown or stored. */
export function keyValuesOf(providers: Iterable<ServeProvider>): string[] {
  const values: string[] = [];
  for (const p of providers) for (const k of p.pool.keys) if (k.value) values.push(k.value);
  return values;
}

export function buildRoutingTable(bundle: RoutingBundle, env: Env = process.env, random: () => number = Math.random): RoutingTable {
  const providers = new Map<string, ServeProvider>();
  for (const spec of Object.values(bundle.providers)) {
    const keys: ServeKey[] = spec.keys.map((k) => {
      const value = env[k.env];
      return { name: k.name, weight: k.weight, tier: k.tier, value: value || undefined, env: k.env, present: Boolean(value), healthId: keyId(spec.id, k.name) };
    });
    const headers = resolveHeaders(spec.headers, env);
    const url = new URL(spec.baseUrl);
    providers.set(spec.id, { id: spec.id, spec, pool: new KeyPool(keys, spec.keyStrategy, random), headers, origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') });
  }

  const byId = new Map<string, ServeModel>();
  for (const spec of bundle.models) {
    const candidates: ServeCandidate[] = spec.candidates.flatMap((c) => {
      const provider = providers.get(c.provider);
      return provider && SERVED_PROVIDER_TYPES.has(provider.spec.type) ? [{ ...makeCandidate(provider, c.model), provider, spec: c, priority: c.priority, weight: c.weight ?? 1 }] : [];
    });
    // maxEjectionPercent counts over every upstream of the model, whatever a request filters
    const peers = [...new Set(candidates.map((c) => c.upstream))];
    for (const c of candidates) c.peers = peers;
    const ties = hasPriorityTies(candidates);
    const model: ServeModel = { spec, candidates, alone: [], ties, embeddings: spec.capabilities.includes('embeddings'), balance: spec.balance ?? 'weight', stickyMs: ties ? (spec.stickyMs ?? DEFAULT_STICKY_MS) : 0 };
    model.alone.push(model);
    byId.set(spec.id, model);
  }
  const models = new Map<string, ServeModel>();
  for (const [name, id] of Object.entries(bundle.lookup)) {
    const model = byId.get(id);
    if (model) models.set(name, model);
  }

  const pools = new Map<string, ServePool>();
  for (const pool of Object.values(bundle.pools ?? {})) {
    const members: ServeModel[] = [];
    const keyless: string[] = [];
    for (const id of pool.members) {
      const model = byId.get(id);
      if (!model) continue;
      if (model.candidates.some((c) => c.provider.pool.keys.some((k) => k.present))) members.push(model);
      else keyless.push(id);
    }
    pools.set(pool.id.toLowerCase(), { id: pool.id, members, keyless });
  }

  return {
    bundle,
    providers,
    models,
    pools,
    policy: { failoverStatuses: new Set(bundle.routing.failoverStatuses), failoverClasses: new Set(bundle.routing.failoverClasses) },
    outlier: Object.freeze(outlierPolicyOf(bundle.routing)),
    catalog: new ModelCatalog(bundle.models, bundle.lookup),
    keyEchoes: new KeyEchoRedactor(keyValuesOf(providers.values())),
    anySticky: [...byId.values()].some((m) => m.stickyMs > 0),
  };
}

/** The attempt loop's bounds and failover policy for a request on this table that must end by `deadline`. */
export function loopSettings(table: RoutingTable, deadline: number): LoopSettings {
  const { routing } = table.bundle;
  const { policy } = table;
  // one literal of a fixed shape (a spread of the policy was a measurable share of the request path)
  return { failoverStatuses: policy.failoverStatuses, failoverClasses: policy.failoverClasses, maxAttempts: routing.maxAttempts, cooldownMs: routing.cooldownMs, keyQuarantineMs: routing.keyQuarantineMs, outlier: table.outlier, deadline };
}
