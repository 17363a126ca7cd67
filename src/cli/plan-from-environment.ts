/**
 * The plan a gateway would make from a bundle and an environment, without running one: what `anyrouter explain`
 * prints, and whether a model can be served now (some upstream has a key), which `anyrouter models --for` and the
 * agent launchers ask before a coding agent starts against a gateway that would answer every request with 503.
 */
import type { RoutingBundle } from '../bundle/format.js';
import { HealthState } from '../runtime/engine/health.js';
import { noKeyMessage } from '../runtime/http/exhausted-error.js';
import { planRoute, type RouteError, type RoutePlan } from '../runtime/policy/plan-route.js';
import { buildRoutingTable, type RoutingTable } from '../runtime/routing-table.js';

/** The first draw of every split (rank order), without live stats: the same plan on every run. */
export function firstDrawPlan(table: RoutingTable, body: Record<string, unknown>, health: HealthState, now: number): RoutePlan | RouteError {
  return planRoute({ table, body, rawLength: JSON.stringify(body).length, health, stats: { ttfb: () => undefined, throughput: () => undefined }, now, random: () => 0 });
}

export type Servability = { servable: true } | { servable: false; message: string };

/**
 * Whether each model (id, alias, pool, `@preset/name`) could be served now by a gateway started from `bundle`
 * with `env`: a plan with some upstream to try. Unknown names count as servable (the catalog check says more).
 */
export function servabilityIn(bundle: RoutingBundle, env: NodeJS.ProcessEnv): (model: string) => Servability {
  const table = buildRoutingTable(bundle, env);
  const health = new HealthState();
  return (model) => {
    const route = firstDrawPlan(table, { messages: [{ role: 'user', content: 'hello' }], model }, health, Date.now());
    if ('status' in route) return route.status === 503 ? { servable: false, message: route.message } : { servable: true };
    if (route.plan.refusal?.kind !== 'no-key') return { servable: true };
    return { servable: false, message: noKeyMessage(route.target.models[0]!.spec.id, route.ranked) };
  };
}
