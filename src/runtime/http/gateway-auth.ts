/** Gateway keys: sha256 lookup, allowed-model globs, and a per-key requests-per-minute window. */
import { createHash } from 'node:crypto';
import type { BundleGatewayKey } from '../../bundle/format.js';
import type { GatewayError } from './openai-errors.js';
import type { RpmVerdict } from '../state/rpm-leases.js';
import type { RuntimeKey } from '../governance/key-store.js';

export interface GatewayIdentity {
  name: string;
  /** Returns true when the key may use `model` (canonical id, alias or preset name). */
  allows(model: string): boolean;
  rateLimit?: { limit: number; remaining: number; resetSeconds: number };
  /** The key says `shared: never`: only BYOK provider keys serve it. */
  byokOnly?: boolean;
  /** The key is limited by `models` globs (it sees only those models in the catalog). */
  scoped?: boolean;
  /** Its rpm is counted in the shared state: `GatewayAuth.countShared` settles the request. */
  sharedRpm?: number;
  /**
   * The key's response-cache partition: a hash of its sha256 (which no two secrets share), so two keys of
   * one name (two deployments on one Redis prefix, a rotated key) never read each other's answers. Absent
   * for the anonymous identity of a gateway without keys (the handler partitions that by the bundle).
   */
  cachePartition?: string;
}

/** Where gateway-key request counts go when they are shared between instances (Redis, through leases). */
export interface SharedLimits {
  take(key: string, limit: number, now: number): RpmVerdict | Promise<RpmVerdict>;
  /** What to do when the shared state does not answer: serve (`open`) or refuse (`closed`). */
  onError: 'open' | 'closed';
}

const ANONYMOUS: GatewayIdentity = { name: 'anonymous', allows: () => true };

/** Compiles a glob (`*` any run, `?` one char) to a RegExp, case-insensitive. */
export function globToRegExp(glob: string): RegExp {
  const source = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'i');
}

interface KeyEntry {
  spec: BundleGatewayKey;
  /** Who the key is, without a rate limit: shared by its requests (never written to). */
  identity: GatewayIdentity;
  windowStart: number;
  count: number;
  /** Tokens answered in the minute window `tokenWindow` (epoch minute), for `tpm`: this instance's, or the shared total last seen. */
  tokenWindow: number;
  tokens: number;
  /** A key created at run time (`POST /api/keys`), not in the config. */
  runtime?: boolean;
  /** Epoch ms after which it no longer authenticates. */
  expiresAt?: number;
}

const allowsAll = () => true;

function identityOf(spec: BundleGatewayKey): GatewayIdentity {
  const patterns = spec.models.map(globToRegExp);
  // a key for every model (`*`, the default) tests no pattern per request
  const allows = spec.models.includes('*') ? allowsAll : (model: string) => patterns.some((p) => p.test(model));
  const identity: GatewayIdentity = { name: spec.name, allows, cachePartition: cachePartitionOf(spec.sha256) };
  if (spec.shared === 'never') identity.byokOnly = true;
  if (allows !== allowsAll) identity.scoped = true;
  return identity;
}

/** Hashed again with a label: the partition names the key without being its lookup hash. */
function cachePartitionOf(sha256: string): string {
  return 'key:' + createHash('sha256').update(`anyrouter.cache-partition\u0000${sha256}`).digest('hex');
}

/** A copy of a key's identity for one request, with its rate figures (or its pending shared count). */
function counted(identity: GatewayIdentity, rate: Pick<GatewayIdentity, 'rateLimit' | 'sharedRpm'>): GatewayIdentity {
  const { name, allows, byokOnly, scoped, cachePartition } = identity;
  const copy: GatewayIdentity = { name, allows };
  // member by member, as the identities on the request path are built
  if (rate.rateLimit !== undefined) copy.rateLimit = rate.rateLimit;
  if (rate.sharedRpm !== undefined) copy.sharedRpm = rate.sharedRpm;
  if (byokOnly) copy.byokOnly = true;
  if (scoped) copy.scoped = true;
  if (cachePartition !== undefined) copy.cachePartition = cachePartition;
  return copy;
}

/** A refused request: the error to send, and the gateway key's name when the key itself was valid (over its rate). */
export type GatewayRefusal = GatewayError & { keyName?: string };

export class GatewayAuth {
  private readonly byHash = new Map<string, KeyEntry>();
  /** Keys with a `tpm` limit, by name (answers count their tokens by the key's name). */
  private readonly byName = new Map<string, KeyEntry>();
  /** Set when token counts are shared (Redis): totals come back from there. */
  sharedTokens: ((key: string, tokens: number, now: number) => Promise<number | undefined>) | undefined;
  /** Set when limits are shared between instances; then no window is counted here. */
  sharedLimits: SharedLimits | undefined;

  constructor(keys: readonly BundleGatewayKey[]) {
    for (const spec of keys) {
      const entry: KeyEntry = { spec, identity: identityOf(spec), windowStart: 0, count: 0, tokenWindow: 0, tokens: 0 };
      this.byHash.set(spec.sha256, entry);
      if (spec.tpm !== undefined) this.byName.set(spec.name, entry);
    }
  }

  /**
   * The keys created at run time, replacing the previous set (config keys stay; a name the config holds
   * is skipped); revoked ones are left out. Rate windows carry over for keys that stay.
   */
  setRuntimeKeys(keys: readonly RuntimeKey[]): void {
    // revoked ones count: revoking the last key must not leave the gateway open
    this.runtimeKeysKnown = keys.length;
    const previous = new Map<string, KeyEntry>();
    for (const [hash, entry] of this.byHash) {
      if (!entry.runtime) continue;
      previous.set(hash, entry);
      this.byHash.delete(hash);
      this.byName.delete(entry.spec.name);
    }
    const configNames = new Set([...this.byHash.values()].map((e) => e.spec.name));
    for (const key of keys) {
      if (key.revokedAt !== undefined || configNames.has(key.name)) continue;
      const spec: BundleGatewayKey = { name: key.name, sha256: key.sha256, models: key.models };
      if (key.rpm !== undefined) spec.rpm = key.rpm;
      if (key.tpm !== undefined) spec.tpm = key.tpm;
      if (key.budget !== undefined) spec.budget = key.budget;
      const before = previous.get(key.sha256);
      const entry: KeyEntry = { spec, identity: identityOf(spec), windowStart: before?.windowStart ?? 0, count: before?.count ?? 0, tokenWindow: before?.tokenWindow ?? 0, tokens: before?.tokens ?? 0, runtime: true };
      if (key.expiresAt !== undefined) entry.expiresAt = key.expiresAt;
      this.byHash.set(key.sha256, entry);
      if (spec.tpm !== undefined) this.byName.set(spec.name, entry);
    }
    // a revoked key must not authenticate from the cache of recent keys
    this.recent.clear();
  }

  /** Keeps the rate windows of keys that are in both configs, so a reload does not reset anyone's limit. */
  carryOver(previous: GatewayAuth): void {
    for (const [hash, entry] of this.byHash) {
      const before = previous.byHash.get(hash);
      if (before) {
        entry.windowStart = before.windowStart;
        entry.count = before.count;
        entry.tokenWindow = before.tokenWindow;
        entry.tokens = before.tokens;
      }
    }
  }

  /** Presented key -> its entry (or null), so a busy key is hashed once, not per request. Bounded. */
  private readonly recent = new Map<string, KeyEntry | null>();

  private lookup(presented: string): KeyEntry | undefined {
    let entry = this.recent.get(presented);
    if (entry === undefined) {
      entry = this.byHash.get(createHash('sha256').update(presented).digest('hex')) ?? null;
      // wrong keys are not remembered: a client guessing keys must not grow the map
      if (entry !== null) {
        if (this.recent.size >= 1024) this.recent.clear();
        this.recent.set(presented, entry);
      }
    }
    return entry ?? undefined;
  }

  /** An answer of key `name` used `tokens`: counted against its `tpm` (here, or in the shared state). */
  addTokens(name: string, tokens: number, now: number): void {
    const entry = this.byName.get(name);
    if (entry === undefined || tokens <= 0) return;
    const window = Math.floor(now / 60_000);
    if (entry.tokenWindow !== window) {
      entry.tokenWindow = window;
      entry.tokens = 0;
    }
    entry.tokens += tokens;
    void this.sharedTokens?.(name, tokens, now).then((total) => {
      // the shared total: what every instance counted this window
      if (total !== undefined && entry.tokenWindow === window) entry.tokens = Math.max(entry.tokens, total);
    });
  }

  /** Key `name`'s tokens in minute `window` as the shared state counts them (other instances' included). */
  applyTokenTotal(name: string, window: number, tokens: number): void {
    const entry = this.byName.get(name);
    if (entry === undefined || !Number.isFinite(tokens)) return;
    if (window > entry.tokenWindow) {
      entry.tokenWindow = window;
      entry.tokens = tokens;
    } else if (window === entry.tokenWindow) entry.tokens = Math.max(entry.tokens, tokens);
  }

  /** Run-time keys in the store, revoked ones included. */
  private runtimeKeysKnown = 0;

  get enabled(): boolean {
    return this.byHash.size > 0 || this.runtimeKeysKnown > 0;
  }

  /** Authenticates a presented key and counts the request against its rpm. */
  authenticate(presented: string | undefined, now: number): GatewayIdentity | GatewayRefusal {
    if (!this.enabled) return ANONYMOUS;
    if (!presented) return { status: 401, code: 'missing_api_key', message: 'missing gateway key: send Authorization: Bearer <key>' };
    const entry = this.lookup(presented);
    if (!entry) return { status: 401, code: 'invalid_api_key', message: 'invalid gateway key' };
    if (entry.expiresAt !== undefined && now >= entry.expiresAt) return { status: 401, code: 'expired_api_key', message: `gateway key '${entry.spec.name}' expired at ${new Date(entry.expiresAt).toISOString()}` };
    const tpm = entry.spec.tpm;
    if (tpm !== undefined && entry.tokenWindow === Math.floor(now / 60_000) && entry.tokens >= tpm) {
      const reset = String(Math.max(1, Math.ceil((60_000 - (now % 60_000)) / 1000)));
      return { status: 429, code: 'token_rate_limit_exceeded', keyName: entry.spec.name, message: `gateway key '${entry.spec.name}' is over its limit of ${tpm} tokens per minute`, headers: { 'retry-after': reset, 'x-ratelimit-limit-tokens': String(tpm), 'x-ratelimit-remaining-tokens': '0' } };
    }
    const rpm = entry.spec.rpm;
    if (rpm === undefined) return entry.identity;
    if (this.sharedLimits !== undefined) return counted(entry.identity, { sharedRpm: rpm });
    if (now - entry.windowStart >= 60_000) {
      entry.windowStart = now;
      entry.count = 0;
    }
    const resetSeconds = Math.max(1, Math.ceil((entry.windowStart + 60_000 - now) / 1000));
    if (entry.count >= rpm) {
      return {
        status: 429,
        code: 'rate_limit_exceeded',
        keyName: entry.spec.name,
        message: `gateway key '${entry.spec.name}' is over its limit of ${rpm} requests per minute`,
        headers: { 'retry-after': String(resetSeconds), 'x-ratelimit-limit': String(rpm), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(resetSeconds) },
      };
    }
    entry.count++;
    return counted(entry.identity, { rateLimit: { limit: rpm, remaining: rpm - entry.count, resetSeconds } });
  }
}

/** Counts a request whose key's rpm is shared: the identity with its rate figures, or the refusal (at once while a lease lasts). */
export function countShared(limits: SharedLimits, identity: GatewayIdentity, now: number): GatewayIdentity | GatewayRefusal | Promise<GatewayIdentity | GatewayRefusal> {
  const verdict = limits.take(identity.name, identity.sharedRpm!, now);
  return verdict instanceof Promise ? verdict.then((v) => settle(limits, identity, v)) : settle(limits, identity, verdict);
}

function settle(limits: SharedLimits, identity: GatewayIdentity, verdict: RpmVerdict): GatewayIdentity | GatewayRefusal {
  const rpm = identity.sharedRpm!;
  if (verdict.allowed === undefined) {
    if (limits.onError === 'open') return identity;
    return { status: 429, code: 'rate_limit_unavailable', keyName: identity.name, message: `gateway key '${identity.name}' has a shared rate limit, and the state backend that counts it does not answer (state.redis.onError is 'closed')`, headers: { 'retry-after': '1' } };
  }
  if (!verdict.allowed) {
    const reset = String(verdict.resetSeconds);
    return {
      status: 429,
      code: 'rate_limit_exceeded',
      keyName: identity.name,
      message: `gateway key '${identity.name}' is over its limit of ${rpm} requests per minute`,
      headers: { 'retry-after': reset, 'x-ratelimit-limit': String(rpm), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset },
    };
  }
  return counted(identity, { rateLimit: { limit: rpm, remaining: verdict.remaining, resetSeconds: verdict.resetSeconds } });
}

/** The key from `Authorization: Bearer ...` or `x-api-key`. */
export function presentedKey(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  if (authorization) {
    const m = /^Bearer\s+(.+)$/i.exec(authorization.trim());
    if (m) return m[1]!.trim();
  }
  return apiKey?.trim() || undefined;
}
