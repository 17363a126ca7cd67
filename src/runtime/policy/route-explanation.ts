/**
 * A route as JSON: the ranked plan with each entry's keys and why it sits where it does, plus the reason
 * for every inclusion and exclusion. `anyrouter explain --format json` prints it; the admin API's
 * `GET /api/explain` answers it for the running gateway's live health and stats.
 */
import type { BundlePricing, KeyTier, RoutingBundle } from '../../bundle/format.js';
import { outlierPolicyOf } from '../engine/outlier.js';
import type { PlanRefusal } from '../engine/plan.js';
import type { RouteError, RoutePlan } from './plan-route.js';
import type { Decision, RoutedCandidate } from './rank-candidates.js';

export interface ExplainedEntry {
  upstream: string;
  provider: string;
  model: string;
  upstreamModel: string;
  pricing: BundlePricing;
  keys: Array<{ name: string; tier: KeyTier }>;
  keyStrategy: string;
  /** `ejected`: tried after the healthy ones; `panic`: every candidate is ejected. */
  routing?: 'ejected' | 'panic';
}

export interface RouteExplanation {
  models: string[];
  preset: string | null;
  plan: ExplainedEntry[];
  panic: boolean;
  healthy: number;
  outlier: Record<string, number>;
  maxAttempts: number;
  requestTimeoutMs: number;
  refusal: PlanRefusal | null;
  decisions: Decision[];
}

export interface RouteRefusalExplanation {
  error: { status: number; code: string; message: string };
  decisions: Decision[];
}

export function explainRoute(route: RoutePlan | RouteError, bundle: RoutingBundle): RouteExplanation | RouteRefusalExplanation {
  if ('status' in route) return { error: { status: route.status, code: route.code, message: route.message }, decisions: route.decisions ?? [] };
  const plan = route.plan.order.map((c, i): ExplainedEntry => {
    const rc = c as RoutedCandidate;
    const provider = bundle.providers[rc.provider.id];
    const entry: ExplainedEntry = {
      upstream: rc.upstream,
      provider: rc.provider.id,
      model: rc.modelId,
      upstreamModel: rc.model,
      pricing: rc.pricing,
      keys: (provider?.keys ?? []).map((k) => ({ name: k.name, tier: k.tier })),
      keyStrategy: provider?.keyStrategy ?? 'fallback',
    };
    if (route.plan.panic) entry.routing = 'panic';
    else if (i >= route.plan.healthy) entry.routing = 'ejected';
    return entry;
  });
  return {
    models: route.target.models.map((m) => m.spec.id),
    preset: route.target.preset?.name ?? null,
    plan,
    panic: route.plan.panic,
    healthy: route.plan.healthy,
    outlier: { ...outlierPolicyOf(bundle.routing), cooldownMs: bundle.routing.cooldownMs },
    maxAttempts: bundle.routing.maxAttempts,
    requestTimeoutMs: bundle.routing.requestTimeoutMs,
    refusal: route.plan.refusal ?? null,
    decisions: route.decisions,
  };
}
