/** Pass 4, lower: resolve aliases and presets, rank every model's candidates, expand status classes. */
import type { BundleCache, BundleCandidate, BundleModel, BundlePreset, BundlePricing, BundleProvider, RoutingBundle } from '../bundle/format.js';
import { BUNDLE_FORMAT, DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_ENTRY_BYTES } from '../bundle/format.js';
import type { ConfigSpec } from './schema/config.js';
import type { Pricing } from './schema/model.js';
import type { LinkedConfig } from './link.js';

export type UnhashedBundle = Omit<RoutingBundle, 'hash'>;

/** Default connection count per upstream origin (Little's law: ~256 in flight covers ~5k req/s at 50 ms). */
const DEFAULT_CONNECTIONS = 256;

export function lower(linked: LinkedConfig): UnhashedBundle {
  const { config } = linked;
  const routing = config.routing;
  const resolve = (name: string) => linked.lookup.get(name.toLowerCase()) ?? name;

  const providers: Record<string, BundleProvider> = {};
  for (const { id, value } of linked.providers) {
    providers[id] = {
      id,
      type: value.type,
      baseUrl: value.baseUrl.replace(/\/+$/, ''),
      keys: value.keys.map((k) => ({ name: k.name, env: k.value.env, weight: k.weight, tier: k.tier })),
      keyStrategy: value.keyStrategy,
      timeouts: {
        connectMs: value.connectTimeoutMs ?? routing.connectTimeoutMs,
        firstByteMs: value.firstByteTimeoutMs ?? routing.firstByteTimeoutMs,
        idleMs: value.idleTimeoutMs ?? routing.idleTimeoutMs,
        totalMs: value.timeoutMs ?? routing.requestTimeoutMs,
      },
      headers: value.headers,
      connections: value.connections ?? DEFAULT_CONNECTIONS,
      shared: value.shared,
    };
    if (value.responses === true) providers[id]!.responses = true;
  }

  const models: BundleModel[] = linked.models
    .map(({ value }) => {
      const candidates: BundleCandidate[] = value.upstreams
        .filter((u) => providers[u.provider] !== undefined)
        .map((u) => ({
          provider: u.provider,
          model: u.model,
          priority: u.priority,
          pricing: pricing(u.pricing ?? value.pricing),
          ...(u.parameters ? { parameters: [...u.parameters].sort() } : {}),
          ...(u.zdr !== undefined ? { zdr: u.zdr } : {}),
          ...(u.dataCollection !== undefined ? { dataCollection: u.dataCollection } : {}),
          ...(u.quantization !== undefined ? { quantization: u.quantization } : {}),
          ...(u.distillable !== undefined ? { distillable: u.distillable } : {}),
          ...(u.weight !== undefined ? { weight: u.weight } : {}),
        }))
        .sort(compareCandidates);
      const model: BundleModel = {
        id: value.id,
        aliases: [...new Set(value.aliases)].sort(),
        context: value.context,
        capabilities: [...new Set(value.capabilities)].sort(),
        pricing: pricing(value.pricing),
        candidates: dedupeCandidates(candidates),
        fallbacks: value.fallbacks.map(resolve),
      };
      if (value.name !== undefined) model.name = value.name;
      if (value.maxOutput !== undefined) model.maxOutput = value.maxOutput;
      if (value.provider !== undefined) model.provider = value.provider;
      if (value.rank !== undefined) model.rank = value.rank;
      if (value.balance !== undefined) model.balance = value.balance;
      if (value.cache !== undefined) model.cacheTtlMs = Math.round(value.cache.ttl * 1000);
      if (value.sticky !== undefined) model.stickyMs = value.sticky === false ? 0 : Math.round(value.sticky.minutes * 60_000);
      return model;
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  const presets: Record<string, BundlePreset> = {};
  for (const { value } of linked.presets) {
    if (presets[value.name]) continue;
    const preset: BundlePreset = { name: value.name, model: resolve(value.model), models: value.models.map(resolve), params: value.params };
    if (value.description !== undefined) preset.description = value.description;
    if (value.provider !== undefined) preset.provider = value.provider;
    if (value.system !== undefined) preset.system = value.system;
    if (value.cache !== undefined) preset.cacheTtlMs = Math.round(value.cache.ttl * 1000);
    presets[value.name] = preset;
  }

  const failoverStatuses = [...new Set(routing.failoverStatuses.filter((s): s is number => typeof s === 'number'))].sort((a, b) => a - b);
  const failoverClasses = [...new Set(routing.failoverStatuses.filter((s): s is '4xx' | '5xx' => typeof s === 'string'))].sort();

  const server: UnhashedBundle['server'] = { port: config.server.port, bodyLimitBytes: config.server.bodyLimitBytes };
  if (config.server.host !== undefined) server.host = config.server.host;

  return {
    format: BUNDLE_FORMAT,
    routing: {
      cooldownMs: routing.cooldownMs,
      keyQuarantineMs: routing.keyQuarantineMs,
      maxAttempts: routing.maxAttempts,
      requestTimeoutMs: routing.requestTimeoutMs,
      keepAliveMs: routing.keepAliveMs,
      failoverStatuses,
      failoverClasses,
      outlier: { ...routing.outlier },
    },
    server,
    auth: {
      gatewayKeys: config.auth.gatewayKeys.map((k) => ({ ...k, models: [...k.models] })),
      adminKeys: config.auth.adminKeys,
    },
    dashboard: { ...config.dashboard },
    providers,
    models,
    lookup: Object.fromEntries([...linked.lookup.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))),
    presets,
    pools: Object.fromEntries(linked.pools.map((p) => [p.id, p])),
    observability: { logging: config.logging, telemetry: config.telemetry },
    ...(config.state.redis ? { state: { redis: { ...config.state.redis } } } : {}),
    ...(config.cache ? { cache: responseCacheBounds(config.cache) } : {}),
    ...(config.budgets.length > 0 ? { budgets: config.budgets.map((b) => ({ ...b })) } : {}),
  };
}

/** `cache` with its defaults filled (the entry cap never above the store's bound). */
function responseCacheBounds(cache: NonNullable<ConfigSpec['cache']>): BundleCache {
  const maxBytes = cache.maxBytes ?? DEFAULT_CACHE_MAX_BYTES;
  return { maxBytes, maxEntryBytes: cache.maxEntryBytes ?? Math.min(DEFAULT_CACHE_MAX_ENTRY_BYTES, maxBytes) };
}

function pricing(p: Pricing): BundlePricing {
  const out: BundlePricing = { prompt: p.prompt, completion: p.completion };
  if (p.cacheRead !== undefined) out.cacheRead = p.cacheRead;
  if (p.cacheWrite !== undefined) out.cacheWrite = p.cacheWrite;
  if (p.request !== undefined) out.request = p.request;
  return out;
}

export function compareCandidates(a: BundleCandidate, b: BundleCandidate): number {
  return a.priority - b.priority || (a.provider < b.provider ? -1 : a.provider > b.provider ? 1 : 0) || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
}

function dedupeCandidates(candidates: BundleCandidate[]): BundleCandidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = `${c.provider}\u0000${c.model}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
