/**
 * Compares two compiled routing bundles (not their sources): what changes for a request to each
 * model, pool and preset, in the providers and routing table behind them, and in the gateway's own
 * settings (keys, budgets, server, cache, state, logging, dashboard). Pure; the output is sorted by
 * subject (models, pools, presets, providers, routing, keys, budgets, settings; ids ascending) then by kind.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BundleCandidate, BundleModel, BundlePool, BundlePreset, BundleProvider, BundleRouting, RoutingBundle } from '../../bundle/format.js';
import {
  CHANGE_KINDS,
  SUBJECT_ORDER,
  type BundleChange,
  type JsonValue,
  type ModelSetting,
  type PresetField,
  type ProviderSetting,
  type RankedUpstream,
  type UpstreamSetting,
} from './bundle-change.js';
import { diffSettings } from './settings-diff.js';

export function diffBundles(base: RoutingBundle, head: RoutingBundle): BundleChange[] {
  const changes: BundleChange[] = [
    ...diffKeyed(byId(base.models), byId(head.models), diffModel, addedModel, removedModel),
    ...diffKeyed(base.pools, head.pools, diffPool, addedPool, removedPool),
    ...diffKeyed(base.presets, head.presets, diffPreset, addedPreset, removedPreset),
    ...diffKeyed(base.providers, head.providers, diffProvider, addedProvider, removedProvider),
    ...diffRouting(base.routing, head.routing),
    ...diffSettings(base, head),
  ];
  return sortChanges(changes);
}

function byId<T extends { id: string }>(items: readonly T[]): Record<string, T> {
  return Object.fromEntries(items.map((item) => [item.id, item]));
}

function diffKeyed<T>(
  base: Record<string, T>,
  head: Record<string, T>,
  changed: (id: string, before: T, after: T) => BundleChange[],
  added: (id: string, item: T) => BundleChange,
  removed: (id: string, item: T) => BundleChange,
): BundleChange[] {
  const out: BundleChange[] = [];
  for (const id of new Set([...Object.keys(base), ...Object.keys(head)])) {
    const before = base[id];
    const after = head[id];
    if (before !== undefined && after !== undefined) out.push(...changed(id, before, after));
    else if (after !== undefined) out.push(added(id, after));
    else if (before !== undefined) out.push(removed(id, before));
  }
  return out;
}

const same = (a: unknown, b: unknown): boolean => isDeepStrictEqual(a, b);
const upstreamKey = (c: { provider: string; model: string }): string => `${c.provider}\u0000${c.model}`;
const ranked = (candidates: readonly BundleCandidate[]): RankedUpstream[] =>
  candidates.map((c, i) => ({ provider: c.provider, model: c.model, priority: c.priority, rank: i + 1 }));

/** Optional bundle fields as JSON: absent stays absent (undefined), never null. */
function json(value: unknown): JsonValue | undefined {
  return value === undefined ? undefined : (value as JsonValue);
}

// ---- models ----

function addedModel(id: string, m: BundleModel): BundleChange {
  return { kind: 'added-model', subject: { type: 'model', id }, aliases: m.aliases, upstreams: ranked(m.candidates), pricing: m.pricing };
}

function removedModel(id: string, m: BundleModel): BundleChange {
  return { kind: 'removed-model', subject: { type: 'model', id }, aliases: m.aliases, upstreams: ranked(m.candidates) };
}

const MODEL_SETTINGS: readonly ModelSetting[] = ['name', 'context', 'maxOutput', 'capabilities', 'rank', 'balance', 'stickyMs', 'cacheTtlMs'];
const UPSTREAM_SETTINGS: readonly UpstreamSetting[] = ['parameters', 'zdr', 'dataCollection', 'quantization', 'distillable', 'weight'];

function diffModel(id: string, base: BundleModel, head: BundleModel): BundleChange[] {
  const subject = { type: 'model', id } as const;
  const out: BundleChange[] = [];

  const headAliases = new Set(head.aliases);
  const baseAliases = new Set(base.aliases);
  for (const alias of head.aliases) if (!baseAliases.has(alias)) out.push({ kind: 'added-alias', subject, alias });
  for (const alias of base.aliases) if (!headAliases.has(alias)) out.push({ kind: 'removed-alias', subject, alias });

  const baseRanked = ranked(base.candidates);
  const headRanked = ranked(head.candidates);
  const baseByKey = new Map(base.candidates.map((c) => [upstreamKey(c), c]));
  const headByKey = new Map(head.candidates.map((c) => [upstreamKey(c), c]));
  for (const u of headRanked) if (!baseByKey.has(upstreamKey(u))) out.push({ kind: 'added-upstream', subject, upstream: u });
  for (const u of baseRanked) if (!headByKey.has(upstreamKey(u))) out.push({ kind: 'removed-upstream', subject, upstream: u });

  const commonBefore = base.candidates.filter((c) => headByKey.has(upstreamKey(c))).map(upstreamKey);
  const commonAfter = head.candidates.filter((c) => baseByKey.has(upstreamKey(c))).map(upstreamKey);
  const reordered = !same(commonBefore, commonAfter);
  if (reordered) out.push({ kind: 'reordered-upstreams', subject, before: baseRanked, after: headRanked });

  if (!same(base.pricing, head.pricing)) out.push({ kind: 'price-change', subject, before: base.pricing, after: head.pricing });

  for (const before of base.candidates) {
    const after = headByKey.get(upstreamKey(before));
    if (!after) continue;
    const upstream = { provider: before.provider, model: before.model };
    if (!reordered && before.priority !== after.priority) out.push({ kind: 'priority-change', subject, upstream, before: before.priority, after: after.priority });
    // an upstream that inherits the model's price on both sides is covered by the model's price change
    const inherits = same(before.pricing, base.pricing) && same(after.pricing, head.pricing);
    if (!same(before.pricing, after.pricing) && !inherits) out.push({ kind: 'price-change', subject, upstream, before: before.pricing, after: after.pricing });
    for (const setting of UPSTREAM_SETTINGS) {
      if (same(before[setting], after[setting])) continue;
      out.push({ kind: 'upstream-parameters-change', subject, upstream, setting, ...defined('before', json(before[setting])), ...defined('after', json(after[setting])) });
    }
  }

  if (!same(base.fallbacks, head.fallbacks)) out.push({ kind: 'fallbacks-change', subject, before: base.fallbacks, after: head.fallbacks });
  for (const setting of MODEL_SETTINGS) {
    if (same(base[setting], head[setting])) continue;
    out.push({ kind: 'model-change', subject, setting, ...defined('before', json(base[setting])), ...defined('after', json(head[setting])) });
  }
  if (!same(base.provider, head.provider)) out.push({ kind: 'preferences-change', subject, ...defined('before', base.provider), ...defined('after', head.provider) });
  return out;
}

function defined<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

// ---- pools ----

function addedPool(id: string, p: BundlePool): BundleChange {
  return { kind: 'added-pool', subject: { type: 'pool', id }, members: p.members };
}

function removedPool(id: string, p: BundlePool): BundleChange {
  return { kind: 'removed-pool', subject: { type: 'pool', id }, members: p.members };
}

function diffPool(id: string, base: BundlePool, head: BundlePool): BundleChange[] {
  const subject = { type: 'pool', id } as const;
  const out: BundleChange[] = [];
  const before = new Set(base.members);
  const after = new Set(head.members);
  for (const model of head.members) if (!before.has(model)) out.push({ kind: 'pool-membership', subject, model, membership: 'joined' });
  for (const model of base.members) if (!after.has(model)) out.push({ kind: 'pool-membership', subject, model, membership: 'left' });
  const commonBefore = base.members.filter((m) => after.has(m));
  const commonAfter = head.members.filter((m) => before.has(m));
  if (!same(commonBefore, commonAfter)) out.push({ kind: 'reordered-pool-members', subject, before: base.members, after: head.members });
  return out;
}

// ---- presets ----

function addedPreset(id: string, p: BundlePreset): BundleChange {
  return { kind: 'added-preset', subject: { type: 'preset', id }, model: p.model, models: p.models };
}

function removedPreset(id: string, p: BundlePreset): BundleChange {
  return { kind: 'removed-preset', subject: { type: 'preset', id }, model: p.model, models: p.models };
}

const PRESET_FIELDS: readonly PresetField[] = ['model', 'models', 'system', 'params', 'description', 'cacheTtlMs'];

function diffPreset(id: string, base: BundlePreset, head: BundlePreset): BundleChange[] {
  const subject = { type: 'preset', id } as const;
  const out: BundleChange[] = [];
  for (const field of PRESET_FIELDS) {
    if (same(base[field], head[field])) continue;
    out.push({ kind: 'preset-change', subject, field, ...defined('before', json(base[field])), ...defined('after', json(head[field])) });
  }
  if (!same(base.provider, head.provider)) out.push({ kind: 'preferences-change', subject, ...defined('before', base.provider), ...defined('after', head.provider) });
  return out;
}

// ---- providers ----

function addedProvider(id: string, p: BundleProvider): BundleChange {
  return { kind: 'added-provider', subject: { type: 'provider', id }, type: p.type, baseUrl: p.baseUrl };
}

function removedProvider(id: string, p: BundleProvider): BundleChange {
  return { kind: 'removed-provider', subject: { type: 'provider', id }, type: p.type, baseUrl: p.baseUrl };
}

const PROVIDER_SETTINGS: ReadonlyArray<Exclude<ProviderSetting, 'keyOrder'>> = ['type', 'baseUrl', 'keyStrategy', 'timeouts', 'headers', 'connections', 'shared', 'responses'];

/** A provider's setting as the diff shows it: an absent `responses` flag is `false`. */
function providerSetting(p: BundleProvider, setting: (typeof PROVIDER_SETTINGS)[number]): unknown {
  return setting === 'responses' ? p.responses === true : p[setting];
}

function diffProvider(id: string, base: BundleProvider, head: BundleProvider): BundleChange[] {
  const subject = { type: 'provider', id } as const;
  const out: BundleChange[] = [];
  for (const setting of PROVIDER_SETTINGS) {
    const before = providerSetting(base, setting);
    const after = providerSetting(head, setting);
    if (same(before, after)) continue;
    out.push({ kind: 'provider-change', subject, setting, before: json(before) ?? null, after: json(after) ?? null });
  }
  const baseKeys = new Map(base.keys.map((k) => [k.name, k]));
  const headKeys = new Map(head.keys.map((k) => [k.name, k]));
  for (const name of new Set([...baseKeys.keys(), ...headKeys.keys()])) {
    const before = baseKeys.get(name);
    const after = headKeys.get(name);
    if (same(before, after)) continue;
    out.push({ kind: 'provider-change', subject, setting: 'key', key: name, ...defined('before', before), ...defined('after', after) });
  }
  // key order matters to the `fallback` strategy; report it only when the shared keys moved
  const orderBefore = base.keys.map((k) => k.name).filter((n) => headKeys.has(n));
  const orderAfter = head.keys.map((k) => k.name).filter((n) => baseKeys.has(n));
  if (!same(orderBefore, orderAfter)) out.push({ kind: 'provider-change', subject, setting: 'keyOrder', before: base.keys.map((k) => k.name), after: head.keys.map((k) => k.name) });
  return out;
}

// ---- routing table ----

const ROUTING_SETTINGS: ReadonlyArray<keyof BundleRouting> = ['cooldownMs', 'keyQuarantineMs', 'maxAttempts', 'requestTimeoutMs', 'keepAliveMs', 'failoverStatuses', 'failoverClasses', 'outlier'];

function diffRouting(base: BundleRouting, head: BundleRouting): BundleChange[] {
  return ROUTING_SETTINGS.filter((s) => !same(base[s], head[s])).map((setting) => ({
    kind: 'routing-change',
    subject: { type: 'routing', id: 'routing' },
    setting,
    before: (base[setting] ?? null) as JsonValue,
    after: (head[setting] ?? null) as JsonValue,
  }));
}

// ---- order ----

function sortChanges(changes: BundleChange[]): BundleChange[] {
  const kindIndex = (c: BundleChange) => CHANGE_KINDS.indexOf(c.kind);
  const typeIndex = (c: BundleChange) => SUBJECT_ORDER.indexOf(c.subject.type);
  // stable sort: within one subject and kind, the order the diff found them in (ranked, then by name)
  return changes
    .map((change, index) => ({ change, index }))
    .sort(
      (a, b) =>
        typeIndex(a.change) - typeIndex(b.change) ||
        compareStrings(a.change.subject.id, b.change.subject.id) ||
        kindIndex(a.change) - kindIndex(b.change) ||
        a.index - b.index,
    )
    .map(({ change }) => change);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
