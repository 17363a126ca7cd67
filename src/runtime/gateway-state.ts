/** Everything a running gateway holds: the routing table, shared health state, upstream pools and gateway auth. */
import type { RoutingBundle } from '../bundle/format.js';
import type { Clock } from './engine/attempt-loop.js';
import { HealthState, keyId } from './engine/health.js';
import { GatewayAuth } from './http/gateway-auth.js';
import { buildRoutingTable, type Env, type RoutingTable } from './routing-table.js';
import { OriginPools } from './upstream/origin-pools.js';
import { UpstreamStats } from './policy/upstream-stats.js';
import { StickyRoutes } from './policy/sticky-routes.js';
import { cacheBoundsOf, ResponseCache, type AnswerStore } from './cache/response-cache.js';
import type { Observability } from './observability/observability.js';
import type { SharedState } from './state/shared-state.js';
import { BudgetLedger } from './governance/budget-ledger.js';
import type { RuntimeKeys } from './governance/runtime-keys.js';

export interface GatewayState {
  table: RoutingTable;
  health: HealthState;
  pools: OriginPools;
  auth: GatewayAuth;
  clock: Clock;
  stats: UpstreamStats;
  /** Draws the order among upstreams that share a priority (Math.random when absent). */
  random?: () => number;
  /** Prompt-cache stickiness: which upstream served a conversation's prefix lately (kept across reloads). */
  sticky: StickyRoutes;
  /** Exact-match answers (opt-in per request, preset or model): in memory, or in Redis with `state.redis`; kept across reloads. */
  responseCache: AnswerStore;
  /** Request log, metrics, access log, traces: started once, kept across reloads. */
  observability?: Observability;
  /** Health marks and limits shared with other workers and replicas (absent: this process alone). */
  shared?: SharedState;
  /** Gateway keys created at run time (absent: no request log database to keep them in). */
  runtimeKeys?: RuntimeKeys;
  /** Spend against the gateway's, apps' and keys' budgets (absent: no budget configured). */
  budgets?: BudgetLedger;
  /** What `/metrics` answers when it speaks for more than this process (every worker of `serve --workers`). */
  metricsOf?: () => Promise<{ contentType: string; body: string }>;
  startedAt: number;
  /** When this state's bundle was loaded (start-up or the last reload), ms. */
  loadedAt: number;
  /** Where the dashboard is served; absent: it is off (server.ts decides, from the bundle and the bound host). */
  dashboardPath?: string;
  /** Aborted when the gateway starts to close: long-lived admin streams end then. Shared across reloads. */
  shutdown: AbortController;
}

export const systemClock: Clock = { now: () => Date.now() };

export function createGatewayState(bundle: RoutingBundle, env: Env = process.env): GatewayState {
  const budgets = new BudgetLedger(bundle, Date.now());
  const cache = cacheBoundsOf(bundle.cache);
  return {
    ...(budgets.empty ? {} : { budgets }),
    table: buildRoutingTable(bundle, env),
    health: new HealthState(),
    pools: new OriginPools(),
    auth: new GatewayAuth(bundle.auth.gatewayKeys),
    clock: systemClock,
    stats: new UpstreamStats(),
    sticky: new StickyRoutes(),
    responseCache: new ResponseCache(cache.maxBytes, cache.maxEntryBytes),
    startedAt: Date.now(),
    loadedAt: Date.now(),
    shutdown: new AbortController(),
  };
}

/**
 * The state for a new bundle, sharing what outlives a reload: health (kept only for upstreams and keys
 * whose provider did not change), live stats, upstream connection pools, gateway-key rate windows, sticky
 * routes and the response cache (under the new bundle's bounds).
 */
export function reloadGatewayState(previous: GatewayState, bundle: RoutingBundle, env: Env = process.env): GatewayState {
  const table = buildRoutingTable(bundle, env);
  const unchanged = (id: string) => {
    const before = previous.table.bundle.providers[id];
    const after = bundle.providers[id];
    return before !== undefined && after !== undefined && JSON.stringify(before) === JSON.stringify(after);
  };
  const upstreams = new Set<string>();
  const keys = new Set<string>();
  for (const model of table.models.values()) for (const c of model.candidates) if (unchanged(c.provider.id)) upstreams.add(c.upstream);
  for (const provider of table.providers.values()) if (unchanged(provider.id)) for (const key of provider.pool.keys) keys.add(keyId(provider.id, key.name));
  previous.health.retain(upstreams, keys);
  const auth = new GatewayAuth(bundle.auth.gatewayKeys);
  auth.carryOver(previous.auth);
  auth.sharedLimits = previous.auth.sharedLimits;
  auth.sharedTokens = previous.auth.sharedTokens;
  const budgets = new BudgetLedger(bundle, previous.clock.now());
  if (previous.budgets) budgets.carryOver(previous.budgets);
  if (previous.runtimeKeys) {
    auth.setRuntimeKeys(previous.runtimeKeys.keys);
    budgets.setRuntimeBudgets(previous.runtimeKeys.keys, new Set(bundle.auth.gatewayKeys.map((k) => k.name)), previous.clock.now());
  }
  // the cache keeps its entries; new bounds apply from now (what is over them goes)
  previous.responseCache.resize(cacheBoundsOf(bundle.cache));
  const next: GatewayState = { ...previous, table, auth, loadedAt: Date.now() };
  if (budgets.empty) delete next.budgets;
  else next.budgets = budgets;
  return next;
}
