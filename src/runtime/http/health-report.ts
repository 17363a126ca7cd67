/** GET /health: gateway status and a per-upstream, per-key snapshot of the health state. */
import { keyId } from '../engine/health.js';
import type { GatewayState } from '../gateway-state.js';

export function healthReport(state: GatewayState) {
  const now = state.clock.now();
  const { table, health } = state;
  const iso = (t: number) => new Date(t).toISOString();
  const providers: Record<string, unknown> = {};
  for (const provider of table.providers.values()) {
    const keys: Record<string, unknown> = {};
    for (const key of provider.pool.keys) {
      const mark = health.keys.get(keyId(provider.id, key.name));
      const cooling = mark !== undefined && mark.until > now;
      keys[key.name] = {
        tier: key.tier,
        configured: key.present,
        state: !key.present ? 'missing' : cooling ? 'quarantined' : 'healthy',
        ...(cooling ? { until: iso(mark.until) } : {}),
        ...(mark?.lastError ? { lastError: mark.lastError, lastErrorAt: iso(mark.lastErrorAt!) } : {}),
      };
    }
    providers[provider.id] = { type: provider.spec.type, keys };
  }
  // every upstream the table can route to, healthy or ejected, with its outlier counters and last error
  const ids = new Set<string>();
  for (const model of table.models.values()) for (const c of model.candidates) ids.add(c.upstream);
  const { outlier } = table;
  const upstreams: Record<string, unknown> = {};
  for (const id of [...ids].sort()) {
    const mark = health.upstreams.get(id);
    const counters = health.outliers.get(id);
    const ejected = mark !== undefined && mark.until > now;
    const window = counters?.window(now);
    const lastError = counters?.lastError ?? mark?.lastError;
    const lastErrorAt = counters?.lastErrorAt ?? mark?.lastErrorAt;
    upstreams[id] = {
      state: ejected ? 'ejected' : 'healthy',
      ...(ejected ? { until: iso(mark.until) } : {}),
      ...(counters ? { consecutiveFailures: counters.consecutive, window: { attempts: window!.attempts, failures: window!.failures }, ejections: counters.decayedEjections(now, table.bundle.routing.cooldownMs) } : {}),
      ...(lastError !== undefined && lastErrorAt !== undefined ? { lastError, lastErrorAt: iso(lastErrorAt) } : {}),
    };
  }
  // a model can be served while one of its upstreams' providers has a key in the environment
  const servable = new Set<string>();
  for (const model of table.models.values()) if (model.candidates.some((c) => c.provider.pool.keys.some((k) => k.present))) servable.add(model.spec.id);
  return {
    status: 'ok',
    bundle: table.bundle.hash,
    uptimeSeconds: Math.round((Date.now() - state.startedAt) / 1000),
    models: table.bundle.models.length,
    /** Models with at least one upstream whose provider has a key: 0 says the gateway has no key to call anything with. */
    servableModels: servable.size,
    providers,
    upstreams,
    outlier: { ...outlier, cooldownMs: table.bundle.routing.cooldownMs },
  };
}
