/** Human wording of one bundle change, shared by the text and markdown formats. */
import type { BundleKey, BundlePricing, ProviderPreferences } from '../../bundle/format.js';
import { CHANGE_KINDS, type BundleChange, type ChangeKind, type ChangeSubject, type JsonValue, type RankedUpstream, type UpstreamRef } from './bundle-change.js';

/** How a name or value is shown: as is in text, in backticks in markdown. */
export interface NameStyle {
  code(text: string): string;
}

export interface ChangeDescription {
  /** What happened, e.g. `alias removed`. */
  label: string;
  /** The names and values involved. */
  detail: string;
}

const ARROW = '→';
const LONG_VALUE = 80;

export function describeSubject(subject: ChangeSubject, style: NameStyle): string {
  switch (subject.type) {
    case 'model':
      return `model ${style.code(subject.id)}`;
    case 'pool':
      return `pool ${style.code(subject.id)}`;
    case 'preset':
      return `preset ${style.code(`@preset/${subject.id}`)}`;
    case 'provider':
      return `provider ${style.code(subject.id)}`;
    case 'routing':
      return 'routing defaults';
    case 'gateway-key':
      return `gateway key ${style.code(subject.id)}`;
    case 'admin-key':
      return `admin key ${style.code(subject.id)}`;
    case 'budget':
      return subject.id.startsWith('app:') ? `app budget ${style.code(subject.id.slice(4))}` : `gateway budget ${style.code(subject.id)}`;
    case 'settings':
      return `settings ${style.code(subject.id)}`;
  }
}

/** `3 changes: 1 reordered-upstreams, 1 removed-alias, 1 price-change` (kinds are what `--fail-on` takes). */
export function summarizeChanges(changes: readonly BundleChange[]): string {
  if (changes.length === 0) return 'no routing changes';
  const counts = new Map<ChangeKind, number>();
  for (const c of changes) counts.set(c.kind, (counts.get(c.kind) ?? 0) + 1);
  const parts = CHANGE_KINDS.filter((k) => counts.has(k)).map((k) => `${counts.get(k)} ${k}`);
  return `${changes.length} change${changes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
}

/** Changes grouped by subject, in the order they come (the diff sorts them by subject). */
export function groupBySubject(changes: readonly BundleChange[]): Array<{ subject: ChangeSubject; changes: BundleChange[] }> {
  const groups: Array<{ subject: ChangeSubject; changes: BundleChange[] }> = [];
  for (const change of changes) {
    const last = groups[groups.length - 1];
    if (last && last.subject.type === change.subject.type && last.subject.id === change.subject.id) last.changes.push(change);
    else groups.push({ subject: change.subject, changes: [change] });
  }
  return groups;
}

export function describeChange(change: BundleChange, style: NameStyle): ChangeDescription {
  const c = style.code;
  const upstream = (u: UpstreamRef) => c(`${u.provider}:${u.model}`);
  const list = (items: readonly string[]) => (items.length === 0 ? '(none)' : items.map(c).join(', '));
  const rankedList = (items: readonly RankedUpstream[]) => (items.length === 0 ? '(none)' : items.map((u) => `${upstream(u)} (priority ${u.priority})`).join(', '));
  const value = (v: JsonValue | undefined) => (v === undefined ? '(none)' : c(shorten(JSON.stringify(v))));
  const fromTo = (before: JsonValue | undefined, after: JsonValue | undefined) => `${value(before)} ${ARROW} ${value(after)}`;

  switch (change.kind) {
    case 'added-model':
      return { label: 'model added', detail: `aliases ${list(change.aliases)}; upstreams ${rankedList(change.upstreams)}; ${pricingText(change.pricing, c)}` };
    case 'removed-model':
      return { label: 'model removed', detail: `aliases ${list(change.aliases)}; upstreams ${rankedList(change.upstreams)}` };
    case 'added-alias':
      return { label: 'alias added', detail: c(change.alias) };
    case 'removed-alias':
      return { label: 'alias removed', detail: c(change.alias) };
    case 'added-upstream':
      return { label: 'upstream added', detail: `${upstream(change.upstream)} at rank ${change.upstream.rank} (priority ${change.upstream.priority})` };
    case 'removed-upstream':
      return { label: 'upstream removed', detail: `${upstream(change.upstream)} (was rank ${change.upstream.rank}, priority ${change.upstream.priority})` };
    case 'reordered-upstreams':
      return { label: 'upstreams reordered', detail: `${rankedList(change.before)} ${ARROW} ${rankedList(change.after)}` };
    case 'priority-change':
      return { label: 'priority changed', detail: `${upstream(change.upstream)}: ${change.before} ${ARROW} ${change.after} (order unchanged)` };
    case 'price-change':
      return { label: 'price changed', detail: (change.upstream ? `${upstream(change.upstream)}: ` : '') + pricingChangeText(change.before, change.after, c) };
    case 'upstream-parameters-change':
      return { label: `upstream ${change.setting} changed`, detail: `${upstream(change.upstream)}: ${fromTo(change.before, change.after)}` };
    case 'fallbacks-change':
      return { label: 'fallbacks changed', detail: `${list(change.before)} ${ARROW} ${list(change.after)}` };
    case 'model-change':
      return { label: `${change.setting} changed`, detail: fromTo(change.before, change.after) };
    case 'preferences-change':
      return { label: 'provider preferences changed', detail: preferencesChangeText(change.before, change.after, c) };
    case 'added-pool':
      return { label: 'pool added', detail: `members ${list(change.members)}` };
    case 'removed-pool':
      return { label: 'pool removed', detail: `members ${list(change.members)}` };
    case 'pool-membership':
      return { label: change.membership === 'joined' ? 'member joined' : 'member left', detail: c(change.model) };
    case 'reordered-pool-members':
      return { label: 'members reordered', detail: `${list(change.before)} ${ARROW} ${list(change.after)}` };
    case 'added-preset':
      return { label: 'preset added', detail: `model ${c(change.model)}, fallbacks ${list(change.models)}` };
    case 'removed-preset':
      return { label: 'preset removed', detail: `model ${c(change.model)}, fallbacks ${list(change.models)}` };
    case 'preset-change':
      return { label: `${change.field} changed`, detail: fromTo(change.before, change.after) };
    case 'added-provider':
      return { label: 'provider added', detail: `${change.type} at ${c(change.baseUrl)}` };
    case 'removed-provider':
      return { label: 'provider removed', detail: `${change.type} at ${c(change.baseUrl)}` };
    case 'provider-change':
      if (change.setting === 'key') {
        const label = !change.before ? 'key added' : !change.after ? 'key removed' : 'key changed';
        const before = change.before ? keyText(change.before, c) : undefined;
        const after = change.after ? keyText(change.after, c) : undefined;
        return { label, detail: before && after ? `${before} ${ARROW} ${after}` : (before ?? after ?? '') };
      }
      return { label: change.setting === 'keyOrder' ? 'key order changed' : `${change.setting} changed`, detail: fromTo(change.before, change.after) };
    case 'routing-change':
      return { label: `${change.setting} changed`, detail: fromTo(change.before, change.after) };
    case 'gateway-key-change':
    case 'admin-key-change':
    case 'budget-change':
    case 'settings-change': {
      if (change.change === 'changed') return { label: `${change.setting ?? 'value'} changed`, detail: fromTo(change.before, change.after) };
      const fields = (change.change === 'added' ? change.after : change.before) as Record<string, JsonValue> | undefined;
      return { label: `${SETTINGS_NOUN[change.kind]} ${change.change}`, detail: Object.entries(fields ?? {}).map(([k, v]) => `${k} ${value(v)}`).join(', ') || '(none)' };
    }
  }
}

const SETTINGS_NOUN = { 'gateway-key-change': 'gateway key', 'admin-key-change': 'admin key', 'budget-change': 'budget', 'settings-change': 'setting' } as const;

function shorten(text: string): string {
  return text.length <= LONG_VALUE ? text : `${text.slice(0, LONG_VALUE - 1)}… (${text.length} chars)`;
}

const PRICE_FIELDS = ['prompt', 'completion', 'cacheRead', 'cacheWrite', 'request'] as const;
const price = (n: number | undefined, code: (s: string) => string) => (n === undefined ? '(none)' : code(`$${n}`));

function pricingText(p: BundlePricing, code: (s: string) => string): string {
  return 'price ' + PRICE_FIELDS.filter((f) => p[f] !== undefined).map((f) => `${f} ${price(p[f], code)}`).join(', ');
}

/** Only the fields that changed: `prompt $0.25 → $0.3` (USD per 1M tokens; `request` per request). */
function pricingChangeText(before: BundlePricing, after: BundlePricing, code: (s: string) => string): string {
  return PRICE_FIELDS.filter((f) => before[f] !== after[f])
    .map((f) => `${f} ${price(before[f], code)} ${ARROW} ${price(after[f], code)}`)
    .join(', ');
}

/** Only the preference fields that changed: `sort "latency" → "price"`. */
function preferencesChangeText(before: ProviderPreferences | undefined, after: ProviderPreferences | undefined, code: (s: string) => string): string {
  const b = (before ?? {}) as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const show = (v: unknown) => (v === undefined ? '(none)' : code(shorten(JSON.stringify(v))));
  const fields = [...new Set([...Object.keys(b), ...Object.keys(a)])].sort().filter((k) => JSON.stringify(b[k]) !== JSON.stringify(a[k]));
  if (fields.length === 0) return `${show(before)} ${ARROW} ${show(after)}`;
  return fields.map((k) => `${k} ${show(b[k])} ${ARROW} ${show(a[k])}`).join(', ');
}

function keyText(k: BundleKey, code: (s: string) => string): string {
  return `${code(k.name)} (env ${code(k.env)}, weight ${k.weight}, ${k.tier})`;
}
