/**
 * The routing-table bundle: what `anyrouter build` writes and `anyrouter serve` reads.
 * Both the compiler and the runtime import this module; it holds types only.
 */

export const BUNDLE_FORMAT = 'anyrouter.routing/v1' as const;

export interface EnvRef {
  env: string;
}

export type ProviderType = 'openai' | 'anthropic' | 'gemini';
export type KeyStrategy = 'fallback' | 'round-robin' | 'weighted' | 'random';
export type KeyTier = 'byok' | 'shared';

export interface BundleKey {
  name: string;
  /** Environment variable that holds the key; read at serve time. */
  env: string;
  weight: number;
  tier: KeyTier;
}

export interface BundleTimeouts {
  connectMs: number;
  firstByteMs: number;
  idleMs: number;
  /** Deadline of one attempt. */
  totalMs: number;
}

export interface BundleProvider {
  id: string;
  type: ProviderType;
  baseUrl: string;
  keys: BundleKey[];
  keyStrategy: KeyStrategy;
  timeouts: BundleTimeouts;
  headers: Record<string, string | EnvRef>;
  connections: number;
  /** `never`: this provider's shared (operator) keys are never used. */
  shared: 'fallback' | 'never';
  /** An `openai` provider that also serves OpenAI Responses (`/responses`): Responses requests reach it untranslated. */
  responses?: true;
}

export interface BundlePricing {
  prompt: number;
  completion: number;
  cacheRead?: number;
  cacheWrite?: number;
  request?: number;
}

/** One (provider, upstream model) a model can be served by, already ranked. */
export interface BundleCandidate {
  provider: string;
  model: string;
  priority: number;
  pricing: BundlePricing;
  parameters?: string[];
  /** Data policy and precision, for the `provider` object's filters; absent is "not declared". */
  zdr?: boolean;
  dataCollection?: 'allow' | 'deny';
  quantization?: Quantization;
  distillable?: boolean;
  /** Share of traffic among the model's upstreams of the same priority (absent: 1). */
  weight?: number;
}

/** How upstreams of one priority split traffic: by `weight`, or by live latency (power of two choices). */
export type BundleBalance = 'weight' | 'latency';

export type Quantization = 'int4' | 'int8' | 'fp4' | 'fp6' | 'fp8' | 'fp16' | 'bf16' | 'fp32' | 'unknown';

export type SortBy = 'price' | 'latency' | 'throughput';
export type PercentileThresholds = Partial<Record<'p50' | 'p75' | 'p90' | 'p99', number>>;

/** OpenRouter's `provider` object: per request, and as a default per model and per preset. */
export interface ProviderPreferences {
  order?: string[];
  only?: string[];
  ignore?: string[];
  allow_fallbacks?: boolean;
  sort?: SortBy | { by: SortBy; partition?: 'model' | 'none' };
  max_price?: { prompt?: number; completion?: number; request?: number };
  preferred_max_latency?: number | PercentileThresholds;
  preferred_min_throughput?: number | PercentileThresholds;
  require_parameters?: boolean;
  zdr?: boolean;
  data_collection?: 'allow' | 'deny';
  quantizations?: Quantization[];
  enforce_distillable_text?: boolean;
}

export interface BundleModel {
  id: string;
  name?: string;
  aliases: string[];
  context: number;
  maxOutput?: number;
  capabilities: string[];
  pricing: BundlePricing;
  /** Ranked by priority, then provider id, then model: the runtime does no sorting per request. */
  candidates: BundleCandidate[];
  fallbacks: string[];
  provider?: ProviderPreferences;
  /** Strength for virtual pools: higher is tried first. */
  rank?: number;
  /** How upstreams sharing a priority split traffic (absent: by weight). */
  balance?: BundleBalance;
  /** How long a served prompt prefix prefers its upstream within a priority; 0: never; absent: 5 minutes. */
  stickyMs?: number;
  /** Answers for this model are cached this long (absent: only when a request asks). */
  cacheTtlMs?: number;
}

/** A virtual model (`anyrouter/coding`) whose members are other models, strongest first. */
export interface BundlePool {
  id: string;
  description?: string;
  /** Ranked member model ids, computed at build time. */
  members: string[];
}

export interface BundlePreset {
  name: string;
  description?: string;
  model: string;
  models: string[];
  provider?: ProviderPreferences;
  system?: string;
  params: Record<string, unknown>;
  /** Answers through this preset are cached this long (absent: the model's, or the request's). */
  cacheTtlMs?: number;
}

/** `routing.outlier`: when an upstream is ejected (src/runtime/engine/outlier.ts applies it). */
export interface BundleOutlier {
  /** Failures in a row that eject an upstream. */
  consecutive: number;
  /** Share of failed attempts over the window that ejects (with at least `minRequests` attempts). */
  failureRate: number;
  minRequests: number;
  windowMs: number;
  /** At most this percent (truncated to whole percent) of a model's upstreams are ejected at once; never all. */
  maxEjectionPercent: number;
  /** Cap of one ejection's length. */
  maxCooldownMs: number;
}

export interface BundleRouting {
  /** Base length of an ejection; a 429 without Retry-After quarantines its key this long. */
  cooldownMs: number;
  keyQuarantineMs: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  keepAliveMs: number;
  /** Explicit statuses that fail over (classes such as 5xx expanded at build time into `failoverClasses`). */
  failoverStatuses: number[];
  failoverClasses: Array<'4xx' | '5xx'>;
  /** Absent in bundles built before outlier detection: the defaults apply. */
  outlier?: BundleOutlier;
}

export interface BundleGatewayKey {
  name: string;
  sha256: string;
  models: string[];
  rpm?: number;
  /** Tokens per minute (prompt + completion, counted when an answer ends). */
  tpm?: number;
  budget?: BundleBudget;
  /** `never`: requests with this key never use shared (operator) provider keys, only BYOK ones. */
  shared?: 'fallback' | 'never';
}

/** An admin key; `scope` absent (bundles from before scopes) means full. */
export interface BundleAdminKey {
  name: string;
  sha256: string;
  scope?: AdminScope;
}

/** What an admin key may do: read (lists, usage), standard (also create keys), full (also revoke and change budgets). */
export type AdminScope = 'read' | 'standard' | 'full';

export interface BundleServer {
  host?: string;
  port: number;
  bodyLimitBytes: number;
}

/** `dashboard` in the config; `enabled` absent: decided at serve time (admin keys, or a loopback-only gateway). */
export interface BundleDashboard {
  enabled?: boolean;
  path: string;
}

export interface BundleObservability {
  logging: {
    enabled: boolean;
    path: string;
    /** The request log in PostgreSQL instead of the SQLite file at `path`; the URL is read from the environment at serve time. */
    postgres?: { url: EnvRef };
    retentionDays: number;
    bodies: boolean;
    bodyMaxBytes: number;
    redact: boolean;
    accessLog: boolean;
  };
  telemetry: { otlpEndpoint?: string; otlpHeaders: Record<string, string | EnvRef>; serviceName: string };
}

/** A budget's period: a UTC day, an ISO week, a calendar month, or all time. */
export const BUDGET_PERIODS = ['day', 'week', 'month', 'total'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

export interface BundleBudget {
  usd: number;
  period: BudgetPeriod;
}

/** A gateway-wide budget (no `app`) or one app's. */
export interface BundleGatewayBudget extends BundleBudget {
  name?: string;
  app?: string;
}

/** `state`: where workers and replicas share health marks and limits. */
export interface BundleState {
  /** `commandTimeoutMs` absent (bundles built before it): DEFAULT_REDIS_COMMAND_TIMEOUT_MS. */
  redis?: { url: string | EnvRef; prefix: string; onError: 'open' | 'closed'; commandTimeoutMs?: number };
}

/** How long a request waits for a Redis command (a cache lookup, a limit's count) before going on without it. */
export const DEFAULT_REDIS_COMMAND_TIMEOUT_MS = 250;

/** `cache`: the response cache's bounds, bytes. */
export interface BundleCache {
  /** The in-memory store's bound (with `state.redis`, Redis's own `maxmemory` bounds the shared one). */
  maxBytes: number;
  /** The largest answer stored, in either store. */
  maxEntryBytes: number;
}

/** Absent `cache`: these bounds. */
export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;
export const DEFAULT_CACHE_MAX_ENTRY_BYTES = 8 * 1024 * 1024;

export interface RoutingBundle {
  format: typeof BUNDLE_FORMAT;
  /** sha256 of the canonical JSON of everything else. */
  hash: string;
  routing: BundleRouting;
  server: BundleServer;
  auth: { gatewayKeys: BundleGatewayKey[]; adminKeys: BundleAdminKey[] };
  /** Absent in bundles built before the dashboard: the defaults apply. */
  dashboard?: BundleDashboard;
  providers: Record<string, BundleProvider>;
  /** Sorted by id. */
  models: BundleModel[];
  /** Every id and alias, lowercased, to the canonical id. */
  lookup: Record<string, string>;
  presets: Record<string, BundlePreset>;
  /** Virtual pool models by id. */
  pools: Record<string, BundlePool>;
  observability: BundleObservability;
  /** Absent: in-process state. */
  state?: BundleState;
  /** Absent: the default bounds (DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_ENTRY_BYTES). */
  cache?: BundleCache;
  /** Absent or empty: no gateway or app budget. */
  budgets?: BundleGatewayBudget[];
}
