/** The response cache's store: its bytes never exceed the bound, it evicts least recently used first, and entries end at their expiry. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, cacheDirective } from '../../src/runtime/cache/cache-policy.js';
import { entryBytes, ResponseCache } from '../../src/runtime/cache/response-cache.js';
import type { RequestTarget } from '../../src/runtime/policy/request-target.js';

const opArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.integer({ min: 0, max: 30 }), size: fc.integer({ min: 0, max: 5_000 }), ttl: fc.integer({ min: 1, max: 100 }) }),
  fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 50 }) }),
);

describe('response cache store', () => {
  it('holds at most maxBytes, counts exactly what it holds, and a read gives what was stored while it lives (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 200, max: 20_000 }), fc.array(opArb, { maxLength: 300 }), (maxBytes, ops) => {
        const cache = new ResponseCache(maxBytes);
        const stored = new Map<string, { body: Buffer; expiresAt: number }>();
        let now = 0;
        for (const op of ops) {
          if (op.kind === 'tick') now += op.ms;
          else if (op.kind === 'set') {
            const body = Buffer.alloc(op.size, op.key);
            cache.set(String(op.key), { status: 200, headers: { 'content-type': 'application/json' }, body, model: 'm', expiresAt: now + op.ttl });
            stored.set(String(op.key), { body, expiresAt: now + op.ttl });
          } else {
            const got = cache.get(String(op.key), now);
            const want = stored.get(String(op.key));
            // evicted or expired: a miss; otherwise exactly the last stored bytes
            if (got !== undefined) {
              expect(want).toBeDefined();
              expect(want!.expiresAt).toBeGreaterThan(now);
              expect(got.body.equals(want!.body)).toBe(true);
            }
            // a miss on a live entry is an eviction by the bound: the bound is checked below
          }
          expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
          expect(cache.bytes).toBeGreaterThanOrEqual(0);
          if (cache.size === 0) expect(cache.bytes).toBe(0);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('with cache: { maxBytes, maxEntryBytes }: holds at most maxBytes, never an entry over maxEntryBytes, and counts every lookup, store and eviction (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 200, max: 20_000 }).chain((maxBytes) => fc.tuple(fc.constant(maxBytes), fc.integer({ min: 1, max: maxBytes }))),
        fc.array(opArb, { maxLength: 300 }),
        ([maxBytes, maxEntryBytes], ops) => {
          const cache = new ResponseCache(maxBytes, maxEntryBytes);
          const oversize = new Set<string>();
          let now = 0;
          let gets = 0;
          let kept = 0;
          for (const op of ops) {
            if (op.kind === 'tick') now += op.ms;
            else if (op.kind === 'set') {
              const key = String(op.key);
              const answer = { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.alloc(op.size, op.key), model: 'm', expiresAt: now + op.ttl };
              const tooLarge = entryBytes(key, answer) > maxEntryBytes;
              cache.set(key, answer);
              if (tooLarge) oversize.add(key);
              else {
                oversize.delete(key);
                kept++;
              }
            } else {
              gets++;
              const got = cache.get(String(op.key), now);
              // an answer over the entry cap is never stored (and drops the one it replaces)
              if (oversize.has(String(op.key))) expect(got).toBeUndefined();
            }
            expect(cache.bytes).toBeLessThanOrEqual(maxBytes);
            expect(cache.counts.hits + cache.counts.misses).toBe(gets);
            expect(cache.counts.stores).toBe(kept);
            // what is held is what was stored less what was evicted, expired or replaced
            expect(cache.size).toBeLessThanOrEqual(cache.counts.stores - cache.counts.evictions);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('evicts the least recently used entry first', () => {
    const body = Buffer.alloc(100);
    const one = entryBytes('a', { headers: {}, body });
    const cache = new ResponseCache(one * 2);
    cache.set('a', { status: 200, headers: {}, body, model: 'm', expiresAt: 1e9 });
    cache.set('b', { status: 200, headers: {}, body, model: 'm', expiresAt: 1e9 });
    expect(cache.get('a', 0)).toBeDefined(); // a is now the most recent
    cache.set('c', { status: 200, headers: {}, body, model: 'm', expiresAt: 1e9 });
    expect(cache.get('b', 0)).toBeUndefined();
    expect(cache.get('a', 0)).toBeDefined();
    expect(cache.get('c', 0)).toBeDefined();
  });

  it('canonical JSON ignores member order; directives follow the request, then Cache-Control, then preset and model', () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    const target = { models: [{ spec: { cacheTtlMs: 5_000 } }], origins: [], params: {} } as unknown as RequestTarget;
    expect(cacheDirective({}, undefined, target)).toEqual({ ttlMs: 5_000, read: true });
    expect(cacheDirective({ cache: { ttl: 2 } }, 'max-age=9', target)).toEqual({ ttlMs: 2_000, read: true });
    expect(cacheDirective({}, 'max-age=9, no-cache', target)).toEqual({ ttlMs: 9_000, read: false });
    expect(cacheDirective({}, 'no-store', target)).toBeUndefined();
    expect(cacheDirective({ cache: false }, 'max-age=9', target)).toBeUndefined();
  });
});
