/**
 * Prompt-cache stickiness: a request whose prefix (system prompt and first user message, hashed) an
 * upstream served within the model's `sticky` window prefers that upstream within its priority, in place
 * of the balance's draw, so the upstream's prompt cache keeps serving the conversation. In memory, a
 * bounded LRU. An entry whose upstream is ejected is kept (not overwritten by the upstream that served
 * meanwhile), so requests come back to it once it recovers, as long as the window has not run out.
 *
 * Shared (state/sticky-sync.ts): an entry that is new, moves to another upstream or has used half of the
 * window it was last announced with goes to `onAnnounce` (so a conversation's every turn is not a write to
 * Redis); entries other instances announce come in through `applyRemote`. The planner reads only this map.
 */
import { createHash } from 'node:crypto';

interface StickyEntry {
  upstream: string;
  until: number;
  /** The expiry other instances were last told of. */
  announced: number;
}

export const DEFAULT_STICKY_ENTRIES = 10_000;

/** Prefix hash -> the upstream that last served it, least recently used first. */
export class StickyRoutes {
  private readonly entries = new Map<string, StickyEntry>();

  /** Called with an entry the other instances should learn of (set by sticky-sync.ts). */
  onAnnounce: ((key: string, upstream: string, until: number) => void) | undefined;

  constructor(readonly capacity = DEFAULT_STICKY_ENTRIES) {}

  get size(): number {
    return this.entries.size;
  }

  /** The upstream that served this prefix of this model within its window, if any. */
  upstreamFor(key: string, now: number): string | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    // most recently used goes last
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.upstream;
  }

  /**
   * `upstream` served the prefix: it is preferred for `windowMs` more, unless the entry in force names
   * another upstream that is only ejected (`isEjected`): requests go back to that one when it recovers.
   */
  served(key: string, upstream: string, now: number, windowMs: number, isEjected: (upstream: string) => boolean): void {
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.until > now && entry.upstream !== upstream && isEjected(entry.upstream)) return;
    const until = now + windowMs;
    const known = entry !== undefined && entry.upstream === upstream && entry.announced - now > windowMs / 2;
    this.put(key, { upstream, until, announced: known ? entry.announced : until });
    if (!known) this.onAnnounce?.(key, upstream, until);
  }

  /** Another instance's entry: in force here too, until its own expiry (the later one wins for the same upstream). */
  applyRemote(key: string, upstream: string, until: number, now: number): void {
    if (until <= now) return;
    const entry = this.entries.get(key);
    if (entry !== undefined && entry.upstream === upstream && entry.until >= until) return;
    this.put(key, { upstream, until, announced: until });
  }

  /** The entries in force, least recently used first (pushed back to a backend that was away). */
  *inForce(now: number): IterableIterator<[key: string, upstream: string, until: number]> {
    for (const [key, entry] of this.entries) if (entry.until > now) yield [key, entry.upstream, entry.until];
  }

  private put(key: string, entry: StickyEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/**
 * What identifies a conversation for its prompt cache: the system prompt (Chat and Responses system or
 * developer messages, Messages' `system`, Responses' `instructions`) and the first user message, hashed.
 * Undefined when the request has no user message to key on.
 */
export function promptPrefixHash(body: Readonly<Record<string, unknown>>): string | undefined {
  const items = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : undefined;
  if (items === undefined) return undefined;
  const system: unknown[] = [body.system ?? null, body.instructions ?? null];
  let firstUser: unknown;
  for (const item of items) {
    const role = item !== null && typeof item === 'object' ? (item as { role?: unknown }).role : undefined;
    if (role === 'system' || role === 'developer') system.push((item as { content?: unknown }).content);
    else if (role === 'user') {
      firstUser = (item as { content?: unknown }).content;
      break;
    }
  }
  if (firstUser === undefined) return undefined;
  return createHash('sha1').update(JSON.stringify(system)).update('\u0000').update(JSON.stringify(firstUser)).digest('base64url');
}

/** One request's view of the sticky routes: the prefix is hashed once, on first use. */
export class StickyLookup {
  private hash: string | undefined | null = null;

  constructor(
    private readonly routes: StickyRoutes,
    private readonly body: Readonly<Record<string, unknown>>,
    private readonly now: number,
  ) {}

  private keyOf(modelId: string): string | undefined {
    if (this.hash === null) this.hash = promptPrefixHash(this.body);
    return this.hash === undefined ? undefined : `${modelId}\u0000${this.hash}`;
  }

  upstreamFor(modelId: string): string | undefined {
    const key = this.keyOf(modelId);
    return key === undefined ? undefined : this.routes.upstreamFor(key, this.now);
  }

  served(modelId: string, upstream: string, now: number, windowMs: number, isEjected: (upstream: string) => boolean): void {
    const key = this.keyOf(modelId);
    if (key !== undefined) this.routes.served(key, upstream, now, windowMs, isEjected);
  }
}
