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
  provider?: Record<string, unknown>;
}

export interface BundlePreset {
  name: string;
  description?: string;
  model: string;
  models: string[];
  provider?: Record<string, unknown>;
  system?: string;
  params: Record<string, unknown>;
}

export interface BundleRouting {
  cooldownMs: number;
  keyQuarantineMs: number;
  maxAttempts: number;
  requestTimeoutMs: number;
  keepAliveMs: number;
  /** Explicit statuses that fail over (classes such as 5xx expanded at build time into `failoverClasses`). */
  failoverStatuses: number[];
  failoverClasses: Array<'4xx' | '5xx'>;
}

export interface BundleGatewayKey {
  name: string;
  sha256: string;
  models: string[];
  rpm?: number;
}

export interface BundleServer {
  host?: string;
  port: number;
  bodyLimitBytes: number;
}

export interface RoutingBundle {
  format: typeof BUNDLE_FORMAT;
  /** sha256 of the canonical JSON of everything else. */
  hash: string;
  routing: BundleRouting;
  server: BundleServer;
  auth: { gatewayKeys: BundleGatewayKey[]; adminKeys: Array<{ name: string; sha256: string }> };
  providers: Record<string, BundleProvider>;
  /** Sorted by id. */
  models: BundleModel[];
  /** Every id and alias, lowercased, to the canonical id. */
  lookup: Record<string, string>;
  presets: Record<string, BundlePreset>;
}
