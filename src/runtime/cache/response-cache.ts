/**
 * The response cache's stores. What an entry holds is what the client was sent: status, headers and the
 * body's bytes (a JSON answer, or a whole SSE stream to replay). Two stores answer the same `AnswerStore`
 * surface: this one, in memory, bounded by bytes, least recently used out first, each entry until its own
 * expiry; and the Redis one (redis-response-cache.ts) when `state.redis` is set.
 */
import { DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_ENTRY_BYTES, type BundleCache } from '../../bundle/format.js';


export interface CachedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The catalog model that served it (for the request log of a hit). */
  model: string;
  expiresAt: number;
}

/** What a store did since start, for /metrics. */
export interface CacheCounts {
  hits: number;
  misses: number;
  stores: number;
  /** Entries dropped to make room (the memory store; Redis evicts by its own policy, unseen here). */
  evictions: number;
  /** Lookups and stores the backend did not answer (Redis down): each lookup is also a miss. */
  errors: number;
}

/** A response cache store: a lookup answers at once (memory) or after one round trip (Redis). */
export interface AnswerStore {
  readonly backend: 'memory' | 'redis';
  /** The largest entry stored (a capture stops copying past it). */
  readonly maxEntryBytes: number;
  readonly counts: Readonly<CacheCounts>;
  /** Bytes held now, where the store knows it (the memory store). */
  readonly bytes: number | undefined;
  get(key: string, now: number): CachedAnswer | undefined | Promise<CachedAnswer | undefined>;
  /** Stores an answer until its `expiresAt` (replacing one under the same key); off the request path. */
  set(key: string, answer: CachedAnswer, now: number): void;
  /** New bounds (a reloaded bundle's `cache`): what is held past them goes, least recently used first. */
  resize(bounds: CacheBounds): void;
}

export type CacheBounds = BundleCache;

/** The bundle's `cache` (the compiler filled its defaults), or the defaults when it has none. */
export function cacheBoundsOf(cache: BundleCache | undefined): CacheBounds {
  return cache ?? { maxBytes: DEFAULT_CACHE_MAX_BYTES, maxEntryBytes: DEFAULT_CACHE_MAX_ENTRY_BYTES };
}

export function zeroCounts(): CacheCounts {
  return { hits: 0, misses: 0, stores: 0, evictions: 0, errors: 0 };
}

/** Bytes an entry is counted for: its body, its key and its headers, plus a fixed overhead. */
export function entryBytes(key: string, answer: Pick<CachedAnswer, 'headers' | 'body'>): number {
  let n = 128 + key.length + answer.body.byteLength;
  for (const [name, value] of Object.entries(answer.headers)) n += name.length + value.length;
  return n;
}

export class ResponseCache implements AnswerStore {
  readonly backend = 'memory';
  private readonly entries = new Map<string, { answer: CachedAnswer; bytes: number }>();
  private used = 0;
  readonly counts = zeroCounts();
  maxEntryBytes: number;

  constructor(
    public maxBytes = DEFAULT_CACHE_MAX_BYTES,
    maxEntryBytes = DEFAULT_CACHE_MAX_ENTRY_BYTES,
  ) {
    this.maxEntryBytes = Math.min(maxEntryBytes, maxBytes);
  }

  resize(bounds: CacheBounds): void {
    this.maxBytes = bounds.maxBytes;
    this.maxEntryBytes = Math.min(bounds.maxEntryBytes, bounds.maxBytes);
    this.evictTo(this.maxBytes);
  }

  /** Drops the least recently used entries until at most `limit` bytes are held, counting each. */
  private evictTo(limit: number): void {
    while (this.used > limit) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.remove(oldest, entry.bytes);
      this.counts.evictions++;
    }
  }

  /** Bytes held now (never above `maxBytes`). */
  get bytes(): number {
    return this.used;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): CachedAnswer | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined || entry.answer.expiresAt <= now) {
      if (entry !== undefined) this.remove(key, entry.bytes);
      this.counts.misses++;
      return undefined;
    }
    // most recently used goes last
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.counts.hits++;
    return entry.answer;
  }

  /** Stores an answer (replacing one under the same key); one over `maxEntryBytes` is not kept. */
  set(key: string, answer: CachedAnswer): void {
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous.bytes);
    const bytes = entryBytes(key, answer);
    if (bytes > this.maxEntryBytes) return;
    this.evictTo(this.maxBytes - bytes);
    this.entries.set(key, { answer, bytes });
    this.used += bytes;
    this.counts.stores++;
  }

  private remove(key: string, bytes: number): void {
    this.entries.delete(key);
    this.used -= bytes;
  }
}
