/**
 * The response cache's store: exact-match answers in memory, bounded by bytes, least recently used out
 * first, each until its own expiry. What an entry holds is what the client was sent: status, headers and
 * the body's bytes (a JSON answer, or a whole SSE stream to replay).
 */

export interface CachedAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /** The catalog model that served it (for the request log of a hit). */
  model: string;
  expiresAt: number;
}

/** Bytes an entry is counted for: its body, its key and its headers, plus a fixed overhead. */
export function entryBytes(key: string, answer: Pick<CachedAnswer, 'headers' | 'body'>): number {
  let n = 128 + key.length + answer.body.byteLength;
  for (const [name, value] of Object.entries(answer.headers)) n += name.length + value.length;
  return n;
}

export const DEFAULT_CACHE_MAX_BYTES = 64 * 1024 * 1024;

export class ResponseCache {
  private readonly entries = new Map<string, { answer: CachedAnswer; bytes: number }>();
  private used = 0;
  hits = 0;
  misses = 0;

  constructor(readonly maxBytes = DEFAULT_CACHE_MAX_BYTES) {}

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
      this.misses++;
      return undefined;
    }
    // most recently used goes last
    this.entries.delete(key);
    this.entries.set(key, entry);
    this.hits++;
    return entry.answer;
  }

  /** Stores an answer (replacing one under the same key); one larger than the whole cache is not kept. */
  set(key: string, answer: CachedAnswer): void {
    const previous = this.entries.get(key);
    if (previous !== undefined) this.remove(key, previous.bytes);
    const bytes = entryBytes(key, answer);
    if (bytes > this.maxBytes) return;
    while (this.used + bytes > this.maxBytes) {
      const [oldest, entry] = this.entries.entries().next().value!;
      this.remove(oldest, entry.bytes);
    }
    this.entries.set(key, { answer, bytes });
    this.used += bytes;
  }

  private remove(key: string, bytes: number): void {
    this.entries.delete(key);
    this.used -= bytes;
  }
}
