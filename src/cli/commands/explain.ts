/**
 * `anyrouter explain <model | @preset/name> [--request body.json] [--health state.json]`: the ranked plan with
 * the reason for every inclusion, exclusion and position, from planRoute, the function the runtime serves with.
 */
import { readFile } from 'node:fs/promises';
import type { RoutingBundle } from '../../bundle/format.js';
import { HealthState, keyId } from '../../runtime/engine/health.js';
import { outlierPolicyOf } from '../../runtime/engine/outlier.js';
import type { RoutePlan } from '../../runtime/policy/plan-route.js';
import { prioritySplits } from '../../runtime/policy/priority-balance.js';
import type { RoutedCandidate } from '../../runtime/policy/rank-candidates.js';
import { explainRoute } from '../../runtime/policy/route-explanation.js';
import { buildRoutingTable } from '../../runtime/routing-table.js';
import { bundleInputOptions, loadBundleInput } from '../bundle-input.js';
import { firstDrawPlan } from '../plan-from-environment.js';
import { UsageError } from '../usage.js';

interface HealthSnapshot {
  providers?: Record<string, { keys?: Record<string, { state?: string; until?: string }> }>;
  upstreams?: Record<string, { state?: string; until?: string; lastError?: string }>;
}

/** Health from a `GET /health` snapshot: ejected upstreams and quarantined keys with their end times. */
export function healthFromSnapshot(snapshot: HealthSnapshot, now: number): HealthState {
  const health = new HealthState();
  for (const [id, u] of Object.entries(snapshot.upstreams ?? {})) {
    // `cooling`: snapshots from before outlier detection
    if ((u.state === 'ejected' || u.state === 'cooling') && u.until) health.coolUpstream(id, Date.parse(u.until), u.lastError ?? 'snapshot', now);
  }
  for (const [provider, p] of Object.entries(snapshot.providers ?? {})) {
    for (const [name, k] of Object.entries(p.keys ?? {})) {
      if (k.state === 'quarantined' && k.until) health.quarantineKey(keyId(provider, name), Date.parse(k.until), 'snapshot', now);
    }
  }
  return health;
}

async function readJson(file: string, what: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new UsageError(`cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

export function formatPlan(route: RoutePlan, bundle: RoutingBundle): string {
  const lines: string[] = [];
  const t = route.target;
  lines.push(`models: ${t.models.map((m, i) => `${m.spec.id} (${t.origins[i]})`).join(', ')}`);
  if (t.preset) lines.push(`preset: ${t.preset.name}${t.system ? ' (adds a system prompt)' : ''}${Object.keys(t.params).length ? `, params ${JSON.stringify(t.params)}` : ''}`);
  if (t.preferences) lines.push(`provider preferences: ${JSON.stringify(t.preferences)}`);
  if (t.suffixSort) lines.push(`sort from suffix: ${t.suffixSort}`);
  lines.push('', 'plan:');
  if (route.plan.order.length === 0) lines.push(`  nothing can be tried: ${route.plan.refusal?.message ?? 'no candidate'}`);
  route.plan.order.forEach((c, i) => {
    const rc = c as RoutedCandidate;
    const provider = bundle.providers[rc.provider.id]!;
    const probe = route.plan.panic ? ' [panic]' : i >= route.plan.healthy ? ' [ejected]' : '';
    lines.push(`  ${i + 1}. ${rc.upstream}  model ${rc.modelId}  $${rc.pricing.prompt}/$${rc.pricing.completion} per 1M  keys ${provider.keys.map((k) => `${k.name}(${k.tier})`).join(', ')} ${provider.keyStrategy}${probe}`);
  });
  const splits = prioritySplits(route);
  if (splits.length > 0) {
    lines.push('', 'split within a priority (the plan above is one draw):');
    for (const s of splits) {
      const how = s.balance === 'latency' ? 'power of two choices over live latency (EWMA time to first byte)' : 'by weight';
      lines.push(`  ${s.model} priority ${s.priority}, ${how}: ${s.members.map((m) => `${m.upstream} ${s.balance === 'latency' ? '' : `${Math.round(m.share * 100)}% (weight ${m.weight})`}`.trim()).join(', ')}`);
    }
  }
  lines.push('', 'decisions:');
  for (const d of route.decisions) lines.push(`  ${d.included ? '+' : '-'} ${d.upstream} (${d.model}): ${d.reason}`);
  lines.push('', `then at most ${bundle.routing.maxAttempts} attempts within ${bundle.routing.requestTimeoutMs} ms`);
  lines.push(describeOutlier(bundle));
  return lines.join('\n');
}

/** The outlier detection in force, defaults included (routing.outlier). */
export function describeOutlier(bundle: RoutingBundle): string {
  const o = outlierPolicyOf(bundle.routing);
  return [
    `outlier detection: eject an upstream after ${o.consecutive} failures in a row, or ${Math.round(o.failureRate * 100)}% failed of at least ${o.minRequests} attempts in ${o.windowMs} ms;`,
    `  an ejection lasts ${bundle.routing.cooldownMs} ms x its recent ejections (at most ${o.maxCooldownMs} ms); at most ${o.maxEjectionPercent}% of a model's upstreams out at once, never all;`,
    '  ejected upstreams are still tried, after the healthy ones; every one ejected: panic routing in rank order',
  ].join('\n');
}

export const explainCommand = {
  options: { ...bundleInputOptions, request: { type: 'string', short: 'r' }, health: { type: 'string' }, format: { type: 'string' }, env: { type: 'boolean' } },
  async run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    const [model] = positionals;
    if (!model && typeof values.request !== 'string') throw new UsageError('expected: explain <model | @preset/name> [--request body.json]');
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`unknown --format '${String(format)}' (text or json)`);
    const bundle = await loadBundleInput(values);
    if (!bundle) return 1;
    const request = typeof values.request === 'string' ? ((await readJson(values.request, 'request')) as Record<string, unknown>) : {};
    const body = { messages: [{ role: 'user', content: 'hello' }], ...request, ...(model ? { model } : {}) };
    const now = Date.now();
    const health = typeof values.health === 'string' ? healthFromSnapshot((await readJson(values.health, 'health snapshot')) as HealthSnapshot, now) : new HealthState();
    // by default every key counts as set, so the plan shows the routing itself; --env uses this shell's environment
    const env = values.env ? process.env : Object.fromEntries(Object.values(bundle.providers).flatMap((p) => p.keys.map((k) => [k.env, 'set'])));
    const table = buildRoutingTable(bundle, env);
    const route = firstDrawPlan(table, body, health, now);
    if (format === 'json') {
      process.stdout.write(JSON.stringify(explainRoute(route, bundle), null, 2) + '\n');
      return 'status' in route ? 1 : 0;
    }
    if ('status' in route) {
      process.stdout.write(`no plan: ${route.message} (the gateway answers ${route.status})\n`);
      for (const d of route.decisions ?? []) process.stdout.write(`  - ${d.upstream} (${d.model}): ${d.reason}\n`);
      return 1;
    }
    process.stdout.write(formatPlan(route, bundle) + '\n');
    return 0;
  },
} as const;
