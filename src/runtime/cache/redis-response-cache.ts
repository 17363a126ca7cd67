/**
 * The response cache in Redis (with `state.redis`): each answer is one key under the prefix, holding its
 * status, headers, model and body in one value, expiring with the answer's TTL, so every replica and
 * worker reads what any of them stored. A lookup is one GET, made only by requests that opted in to the
 * cache; Redis down: the lookup is a miss and the store is skipped (both counted), never an error to the
 * client. Entries are capped at `maxEntryBytes`; how much Redis holds in all is its `maxmemory`'s to say.
 * No in-memory front: replicas see a `no-cache` refresh at once, and one GET on loopback costs tens of
 * microseconds (bench/gateway.ts measures it against a memory hit).
 */
import type { SharedState } from '../state/shared-state.js';
import { entryBytes, zeroCounts, type AnswerStore, type CacheBounds, type CachedAnswer } from './response-cache.js';

type AnswerBackend = Required<Pick<SharedState, 'readAnswer' | 'storeAnswer'>>;

export class RedisResponseCache implements AnswerStore {
  readonly backend = 'redis';
  readonly counts = zeroCounts();
  readonly bytes = undefined;

  constructor(
    private readonly redis: AnswerBackend,
    public maxEntryBytes: number,
  ) {}

  resize(bounds: CacheBounds): void {
    this.maxEntryBytes = bounds.maxEntryBytes;
  }

  async get(key: string, now: number): Promise<CachedAnswer | undefined> {
    const bytes = await this.redis.readAnswer(key);
    if (bytes === undefined) this.counts.errors++;
    const answer = bytes ? decodeAnswer(bytes) : undefined;
    if (answer === undefined || answer.expiresAt <= now) {
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    return answer;
  }

  set(key: string, answer: CachedAnswer, now: number): void {
    const ttlMs = answer.expiresAt - now;
    if (ttlMs <= 0 || entryBytes(key, answer) > this.maxEntryBytes) return;
    void this.redis.storeAnswer(key, encodeAnswer(answer), ttlMs).then((stored) => {
      if (stored) this.counts.stores++;
      else this.counts.errors++;
    });
  }
}

/** One value: the length of a JSON head (4 bytes, big-endian), the head (status, headers, model, expiry), then the body's bytes. */
export function encodeAnswer(answer: CachedAnswer): Buffer {
  const head = Buffer.from(JSON.stringify({ status: answer.status, headers: answer.headers, model: answer.model, expiresAt: answer.expiresAt }));
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32BE(head.byteLength);
  return Buffer.concat([length, head, answer.body]);
}

/** The answer in a value, or undefined for one this gateway did not write. */
export function decodeAnswer(value: Buffer): CachedAnswer | undefined {
  if (value.byteLength < 4) return undefined;
  const length = value.readUInt32BE(0);
  if (4 + length > value.byteLength) return undefined;
  try {
    const head = JSON.parse(value.subarray(4, 4 + length).toString()) as Partial<CachedAnswer>;
    if (typeof head.status !== 'number' || typeof head.model !== 'string' || typeof head.expiresAt !== 'number' || head.headers === null || typeof head.headers !== 'object') return undefined;
    return { status: head.status, headers: head.headers, model: head.model, expiresAt: head.expiresAt, body: value.subarray(4 + length) };
  } catch {
    return undefined;
  }
}
