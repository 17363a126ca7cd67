/** The sticky-route store: bounded (least recently used out first), windows end, and an ejected upstream keeps its entry. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { promptPrefixHash, StickyRoutes } from '../../src/runtime/policy/sticky-routes.js';

describe('sticky routes', () => {
  it('never holds more than its capacity, and what it holds answers as last served within its window (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 40 }), upstream: fc.constantFrom('a', 'b', 'c'), dt: fc.integer({ min: 0, max: 50 }), read: fc.boolean() }), { maxLength: 300 }),
        (capacity, ops) => {
          const routes = new StickyRoutes(capacity);
          const model = new Map<string, { upstream: string; until: number }>();
          let now = 0;
          for (const op of ops) {
            now += op.dt;
            const key = String(op.key);
            if (op.read) {
              const got = routes.upstreamFor(key, now);
              const want = model.get(key);
              // an entry may have been evicted, never changed
              if (got !== undefined) expect(want !== undefined && want.until > now && want.upstream === got).toBe(true);
            } else {
              routes.served(key, op.upstream, now, 100, () => false);
              model.set(key, { upstream: op.upstream, until: now + 100 });
            }
            expect(routes.size).toBeLessThanOrEqual(capacity);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('two instances joined by their announcements agree on every conversation last served anywhere, within capacity (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 1 }), key: fc.integer({ min: 0, max: 40 }), upstream: fc.constantFrom('a', 'b', 'c'), dt: fc.integer({ min: 0, max: 50 }), read: fc.boolean() }), { maxLength: 300 }),
        (capacity, ops) => {
          const replicas = [new StickyRoutes(capacity), new StickyRoutes(capacity)] as const;
          let now = 0;
          let announced = 0;
          // what one announces, the other applies (the channel, without its delay)
          replicas[0].onAnnounce = (key, upstream, until) => (announced++, replicas[1].applyRemote(key, upstream, until, now));
          replicas[1].onAnnounce = (key, upstream, until) => (announced++, replicas[0].applyRemote(key, upstream, until, now));
          const last = new Map<string, { upstream: string; until: number }>();
          let serves = 0;
          for (const op of ops) {
            now += op.dt;
            const key = String(op.key);
            const routes = replicas[op.at]!;
            if (op.read) {
              const got = routes.upstreamFor(key, now);
              const want = last.get(key);
              if (got !== undefined) expect(want !== undefined && want.until > now && want.upstream === got).toBe(true);
            } else {
              routes.served(key, op.upstream, now, 100, () => false);
              last.set(key, { upstream: op.upstream, until: now + 100 });
              serves++;
            }
            for (const r of replicas) expect(r.size).toBeLessThanOrEqual(capacity);
          }
          expect(announced).toBeLessThanOrEqual(serves);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('announces a conversation once per half window while it stays on its upstream, and again when it moves', () => {
    const routes = new StickyRoutes();
    const heard: string[] = [];
    routes.onAnnounce = (key, upstream, until) => heard.push(`${key}:${upstream}:${until}`);
    routes.served('k', 'a', 0, 1000, () => false);
    routes.served('k', 'a', 100, 1000, () => false);
    routes.served('k', 'a', 499, 1000, () => false);
    expect(heard).toEqual(['k:a:1000']);
    routes.served('k', 'a', 500, 1000, () => false);
    expect(heard).toEqual(['k:a:1000', 'k:a:1500']);
    routes.served('k', 'b', 600, 1000, () => false);
    expect(heard).toEqual(['k:a:1000', 'k:a:1500', 'k:b:1600']);
    // another instance's entry for the same upstream counts as announced
    routes.applyRemote('j', 'c', 2000, 700);
    routes.served('j', 'c', 800, 1000, () => false);
    expect(heard).toHaveLength(3);
    expect(routes.upstreamFor('j', 900)).toBe('c');
  });

  it('keeps an entry whose upstream is ejected; replaces it once the upstream is healthy or the window ended', () => {
    const routes = new StickyRoutes();
    routes.served('k', 'a', 0, 1000, () => false);
    routes.served('k', 'b', 10, 1000, (u) => u === 'a');
    expect(routes.upstreamFor('k', 20)).toBe('a');
    routes.served('k', 'b', 30, 1000, () => false);
    expect(routes.upstreamFor('k', 40)).toBe('b');
    expect(routes.upstreamFor('k', 5000)).toBeUndefined();
  });

  it('hashes the system prompt and the first user message only, across protocols', () => {
    const chat = promptPrefixHash({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }, { role: 'assistant', content: 'x' }] });
    expect(promptPrefixHash({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'U' }] })).toBe(chat);
    expect(promptPrefixHash({ messages: [{ role: 'system', content: 'S' }, { role: 'user', content: 'V' }] })).not.toBe(chat);
    expect(promptPrefixHash({ system: 'S', messages: [{ role: 'user', content: 'U' }] })).toBeDefined();
    expect(promptPrefixHash({ instructions: 'S', input: 'U' })).toBeDefined();
    expect(promptPrefixHash({ messages: [{ role: 'assistant', content: 'no user' }] })).toBeUndefined();
  });
});
