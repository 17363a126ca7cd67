/** Everything a running gateway holds: the routing table, shared health state, upstream pools and gateway auth. */
import type { RoutingBundle } from '../bundle/format.js';
import type { Clock } from './engine/attempt-loop.js';
import { HealthState } from './engine/health.js';
import { GatewayAuth } from './http/gateway-auth.js';
import { buildRoutingTable, type Env, type RoutingTable } from './routing-table.js';
import { OriginPools } from './upstream/origin-pools.js';
import { UpstreamStats } from './policy/upstream-stats.js';

export interface GatewayState {
  table: RoutingTable;
  health: HealthState;
  pools: OriginPools;
  auth: GatewayAuth;
  clock: Clock;
  stats: UpstreamStats;
  startedAt: number;
}

export const systemClock: Clock = { now: () => Date.now() };

export function createGatewayState(bundle: RoutingBundle, env: Env = process.env): GatewayState {
  return {
    table: buildRoutingTable(bundle, env),
    health: new HealthState(),
    pools: new OriginPools(),
    auth: new GatewayAuth(bundle.auth.gatewayKeys),
    clock: systemClock,
    stats: new UpstreamStats(),
    startedAt: Date.now(),
  };
}
