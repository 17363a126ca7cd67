import { BUNDLE_FORMAT, type RoutingBundle } from '../../src/bundle/format.js';
import { buildRoutingTable } from '../../src/runtime/routing-table.js';
import { route, isRouteError, execute } from './arbitraries.js';
import { pick } from '../../src/runtime/policy/upstream-stats.js';
const prov = (id: string) => ({ id, type: 'openai' as const, baseUrl: `https://${id}.example/v1`, keys: [{ name: 'k', env: `K_${id}`, weight: 1, tier: 'byok' as const }], keyStrategy: 'fallback' as const, timeouts: { connectMs: 1, firstByteMs: 1, idleMs: 1, totalMs: 1000 }, headers: {}, connections: 1, shared: 'fallback' as const });
const bundle: RoutingBundle = {
  format: BUNDLE_FORMAT, hash: 'x',
  routing: { cooldownMs: 0, keyQuarantineMs: 0, maxAttempts: 20, requestTimeoutMs: 60000, keepAliveMs: 1000, failoverStatuses: [401,402,403,408,429], failoverClasses: ['5xx'] },
  server: { port: 0, bodyLimitBytes: 1e6 }, auth: { gatewayKeys: [], adminKeys: [] },
  providers: { cheap: prov('cheap'), dear: prov('dear') },
  models: [{ id: 'v/a', aliases: [], context: 2048, capabilities: [], pricing: { prompt: 1, completion: 1 }, fallbacks: [],
    candidates: [{ provider: 'dear', model: 'a', priority: 1, pricing: { prompt: 5, completion: 5 } }, { provider: 'cheap', model: 'a', priority: 2, pricing: { prompt: 1, completion: 1 } }] }],
  lookup: { 'v/a': 'v/a' }, presets: {}, pools: {},
};
const table = buildRoutingTable(bundle, { K_cheap: 'x', K_dear: 'y' });
const show = (label: string, body: Record<string, unknown>, stats?: any) => {
  try { const r = route(table, { messages: [{ role: 'user', content: 'hi' }], ...body }, stats ? { stats } : {});
  console.log(label, isRouteError(r) ? `ERR ${r.status} ${r.message}` : r.ranked.map((c) => c.upstream).join(' , ')); } catch (e) { console.log(label, 'THROWS', String(e)); }
};
show('dup order', { model: 'v/a', provider: { order: ['cheap', 'CHEAP'] } });
show('order+none', { model: 'v/a', provider: { order: ['dear'], sort: { by: 'price', partition: 'none' } } });
show('order+model', { model: 'v/a', provider: { order: ['dear'], sort: { by: 'price' } } });
const stats = { ttfb: (u: string) => (u === 'cheap/a' ? { p50: 900, p75: 900, p90: 900, p99: 900 } : { p50: 10, p75: 10, p90: 10, p99: 10 }), throughput: () => undefined };
show('latency miss + none', { model: 'v/a', provider: { preferred_max_latency: 100, sort: { by: 'price', partition: 'none' } } }, stats);
show('latency miss + model', { model: 'v/a', provider: { preferred_max_latency: 100, sort: { by: 'price' } } }, stats);
show('allow_fallbacks false, order not serving', { model: 'v/a', provider: { order: ['other'], allow_fallbacks: false } });
show('only string', { model: 'v/a', provider: { only: 'cheap' } });
show('order string', { model: 'v/a', provider: { order: 'cheap' } });
const big = 'x'.repeat(9000);
show('small ctx, tools json big, text tiny', { model: 'v/a', tools: [{ type: 'function', function: { name: 'f', description: big } }] });
show('small ctx, 3000 chars', { model: 'v/a', messages: [{ role: 'user', content: 'y'.repeat(3000) }], metadata: { blob: 'z'.repeat(6000) } });
// nearest rank float
const bad: string[] = [];
for (let n = 1; n <= 2000; n++) for (const [q, pct] of [[0.5, 50], [0.75, 75], [0.9, 90], [0.99, 99]] as const) {
  const sorted = Array.from({ length: n }, (_, i) => i + 1);
  const want = Math.max(1, Math.ceil((pct * n) / 100));
  if (pick(sorted, q) !== want) bad.push(`n=${n} q=${q} got ${pick(sorted, q)} want ${want}`);
}
console.log('pick mismatches', bad.length, bad.slice(0, 5));
// duplicate order + retry-after 0 : same (upstream,key) twice?
(async () => {
  const r = route(table, { model: 'v/a', messages: [], provider: { order: ['cheap', 'Cheap'] } });
  if (!isRouteError(r)) {
    const { calls } = await execute(table, r, () => ({ kind: 'status', status: 429, retryAfterSec: 0 }));
    console.log('dup order calls', calls.map((c) => `${c.candidate.upstream}#${c.key.name}`));
    const { calls: c2 } = await execute(table, r, () => ({ kind: 'status', status: 500 }));
    console.log('dup order calls 500 cooldown 0', c2.map((c) => `${c.candidate.upstream}#${c.key.name}`));
  }
})();
