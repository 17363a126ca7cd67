/**
 * The gateway's own settings in two bundles: gateway and admin keys (by name), the gateway's and apps'
 * budgets, and the `server`, `cache`, `state`, `logging` and `dashboard` sections, field by field. No secret
 * is in a bundle (keys are sha256, URLs with a password are env references); a sha256 still shows only as
 * its first 8 hex digits, and a literal URL without its user info.
 */
import { isDeepStrictEqual } from 'node:util';
import { cacheBoundsOf } from '../../runtime/cache/response-cache.js';
import type { BundleAdminKey, BundleGatewayBudget, BundleGatewayKey, RoutingBundle } from '../../bundle/format.js';
import type { BundleChange, JsonValue, SubjectType } from './bundle-change.js';

type Fields = Record<string, JsonValue | undefined>;
type Entry = Extract<BundleChange, { change: 'added' | 'removed' | 'changed' }>;

export function diffSettings(base: RoutingBundle, head: RoutingBundle): BundleChange[] {
  return [
    ...diffNamed('gateway-key', 'gateway-key-change', base.auth.gatewayKeys, head.auth.gatewayKeys, (k) => k.name, gatewayKeyFields),
    ...diffNamed('admin-key', 'admin-key-change', base.auth.adminKeys, head.auth.adminKeys, (k) => k.name, adminKeyFields),
    ...diffNamed('budget', 'budget-change', base.budgets ?? [], head.budgets ?? [], budgetName, (b) => ({ usd: b.usd, period: b.period })),
    ...SECTIONS.flatMap((section) => diffFields('settings', 'settings-change', section, flatten(sectionOf(base, section)), flatten(sectionOf(head, section)))),
  ];
}

const SECTIONS = ['server', 'cache', 'state', 'logging', 'dashboard'] as const;

function sectionOf(bundle: RoutingBundle, section: (typeof SECTIONS)[number]): unknown {
  switch (section) {
    case 'server':
      return bundle.server;
    case 'cache':
      // absent: the default bounds, so spelling them out is no change
      return cacheBoundsOf(bundle.cache);
    case 'state':
      return bundle.state?.redis ? { redis: { ...bundle.state.redis, url: typeof bundle.state.redis.url === 'string' ? withoutUserInfo(bundle.state.redis.url) : bundle.state.redis.url } } : undefined;
    case 'logging':
      return bundle.observability.logging;
    case 'dashboard':
      return bundle.dashboard;
  }
}

function gatewayKeyFields(k: BundleGatewayKey): Fields {
  return { models: k.models, rpm: k.rpm, tpm: k.tpm, budget: k.budget as JsonValue | undefined, shared: k.shared, sha256: shortHash(k.sha256) };
}

function adminKeyFields(k: BundleAdminKey): Fields {
  return { scope: k.scope ?? 'full', sha256: shortHash(k.sha256) };
}

function budgetName(b: BundleGatewayBudget): string {
  return b.app !== undefined ? `app:${b.app}` : (b.name ?? 'all');
}

function shortHash(sha256: string): string {
  return `${sha256.slice(0, 8)}…`;
}

/** `redis://user:password@host` -> `redis://***@host` (a literal URL should hold none; never print one that does). */
function withoutUserInfo(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

function diffNamed<T, S extends SubjectType>(type: S, kind: Entry['kind'], base: readonly T[], head: readonly T[], nameOf: (item: T) => string, fields: (item: T) => Fields): BundleChange[] {
  const before = new Map(base.map((item) => [nameOf(item), item]));
  const after = new Map(head.map((item) => [nameOf(item), item]));
  const out: BundleChange[] = [];
  for (const name of [...new Set([...before.keys(), ...after.keys()])].sort()) {
    const b = before.get(name);
    const a = after.get(name);
    if (b !== undefined && a !== undefined) out.push(...diffFields(type, kind, name, fields(b), fields(a)));
    else if (a !== undefined) out.push(entry(type, kind, name, { change: 'added', after: defined(fields(a)) }));
    else if (b !== undefined) out.push(entry(type, kind, name, { change: 'removed', before: defined(fields(b)) }));
  }
  return out;
}

function diffFields(type: SubjectType, kind: Entry['kind'], id: string, before: Fields, after: Fields): BundleChange[] {
  const out: BundleChange[] = [];
  for (const setting of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const b = before[setting];
    const a = after[setting];
    if (isDeepStrictEqual(b, a)) continue;
    out.push(entry(type, kind, id, { change: 'changed', setting, ...(b !== undefined ? { before: b } : {}), ...(a !== undefined ? { after: a } : {}) }));
  }
  return out;
}

function entry(type: SubjectType, kind: Entry['kind'], id: string, rest: Pick<Entry, 'change' | 'setting' | 'before' | 'after'>): BundleChange {
  return { kind, subject: { type, id }, ...rest } as BundleChange;
}

/** The fields that are set, as one JSON object. */
function defined(fields: Fields): JsonValue {
  return Object.fromEntries(Object.entries(fields).filter((e): e is [string, JsonValue] => e[1] !== undefined));
}

/** Leaf fields by dotted path (`redis.prefix`); arrays and env references (`{ env }`) are leaves. */
function flatten(value: unknown, path = '', out: Fields = {}): Fields {
  if (value === undefined) return out;
  const leaf = value === null || typeof value !== 'object' || Array.isArray(value) || ('env' in value && Object.keys(value).length === 1);
  if (leaf) {
    out[path] = value as JsonValue;
    return out;
  }
  for (const [key, inner] of Object.entries(value)) flatten(inner, path === '' ? key : `${path}.${key}`, out);
  return out;
}
