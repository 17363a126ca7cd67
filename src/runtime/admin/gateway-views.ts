/** What the admin API shows of the running gateway: health with live stats, the catalog and bundle, a route explained. */
import type { GatewayState } from '../gateway-state.js';
import { healthReport } from '../http/health-report.js';
import { planRoute } from '../policy/plan-route.js';
import { explainRoute, type RouteExplanation, type RouteRefusalExplanation } from '../policy/route-explanation.js';

/** `GET /health`'s snapshot, each upstream with the live latency and throughput the planner ranks by, and the gateway's clock (for countdowns). */
export function liveHealth(state: GatewayState) {
  const now = state.clock.now();
  const report = healthReport(state);
  const upstreams: Record<string, unknown> = {};
  for (const [id, upstream] of Object.entries(report.upstreams)) upstreams[id] = { ...(upstream as object), stats: state.stats.snapshot(id, now) };
  return { ...report, upstreams, now: new Date(now).toISOString() };
}

/** The catalog as the bundle has it (every model, preset and pool, with upstreams in rank order) and when the bundle was loaded. */
export function catalogView(state: GatewayState) {
  const { bundle } = state.table;
  return {
    bundle: { hash: bundle.hash, format: bundle.format, loadedAt: new Date(state.loadedAt).toISOString() },
    models: bundle.models.map((m) => ({
      id: m.id,
      ...(m.name !== undefined ? { name: m.name } : {}),
      aliases: m.aliases,
      context: m.context,
      ...(m.maxOutput !== undefined ? { maxOutput: m.maxOutput } : {}),
      capabilities: m.capabilities,
      pricing: m.pricing,
      upstreams: m.candidates.map((c) => ({ provider: c.provider, model: c.model, priority: c.priority, keyed: state.table.providers.get(c.provider)?.pool.keys.some((k) => k.present) ?? false })),
      fallbacks: m.fallbacks,
    })),
    presets: Object.values(bundle.presets).map((p) => ({ name: p.name, ...(p.description !== undefined ? { description: p.description } : {}), model: p.model, models: p.models })),
    pools: Object.values(bundle.pools).map((p) => ({ id: p.id, ...(p.description !== undefined ? { description: p.description } : {}), members: p.members })),
  };
}

/**
 * The plan for `model` as the gateway would route a chat request for it now (a plain one, or `request`'s fields): planRoute (the function
 * requests are served with, and `anyrouter explain` prints) over this gateway's keys, health and live stats.
 */
export function explainFor(state: GatewayState, model: string, request: Record<string, unknown> = {}): RouteExplanation | RouteRefusalExplanation {
  const now = state.clock.now();
  const body = { messages: [{ role: 'user', content: 'hello' }], ...request, model };
  const route = planRoute({ table: state.table, body, rawLength: JSON.stringify(body).length, health: state.health, stats: state.stats.liveAt(now), now });
  return explainRoute(route, state.table.bundle);
}
