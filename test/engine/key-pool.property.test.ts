/**
 * Property tests of KeyPool: strategies fallback / round-robin / weighted / random, BYOK before shared.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { KeyStrategy } from '../../src/bundle/format.js';
import { KeyPool, type PoolKey } from '../../src/runtime/engine/key-pool.js';
import { seededRandom } from './arbitraries.js';

const RUNS = { numRuns: 300 };
const STRATEGIES: readonly KeyStrategy[] = ['fallback', 'round-robin', 'weighted', 'random'];

const poolKeyArb = (tier?: 'byok' | 'shared'): fc.Arbitrary<Omit<PoolKey, 'name'>> =>
  fc.record({
    weight: fc.integer({ min: 1, max: 6 }),
    tier: tier !== undefined ? fc.constant(tier) : fc.constantFrom<'byok' | 'shared'>('byok', 'shared'),
  });

const keysArb = (tier?: 'byok' | 'shared', min = 1, max = 6): fc.Arbitrary<PoolKey[]> =>
  fc.array(poolKeyArb(tier), { minLength: min, maxLength: max }).map((ks) => ks.map((k, i) => ({ ...k, name: `k${i}` })));

function counts(picks: number[], n: number): number[] {
  const out = Array.from({ length: n }, () => 0);
  for (const p of picks) out[p]!++;
  return out;
}

describe('KeyPool (properties)', () => {
  it('11a. round-robin over N healthy keys spreads k*N picks exactly k each', () => {
    fc.assert(
      fc.property(keysArb(undefined), fc.integer({ min: 1, max: 5 }), fc.nat({ max: 10 }), (keys, k, warmup) => {
        // one tier, since BYOK keys are preferred: round-robin works within the preferred tier
        const sameTier = keys.map((key) => ({ ...key, tier: keys[0]!.tier }));
        const pool = new KeyPool(sameTier, 'round-robin');
        for (let i = 0; i < warmup; i++) pool.pick(() => true);
        const picks = Array.from({ length: k * keys.length }, () => pool.pick(() => true));
        expect(counts(picks, keys.length)).toEqual(keys.map(() => k));
      }),
      RUNS,
    );
  });

  it('11b. weighted spreads picks in proportion to the weights over every full cycle (sum of weights)', () => {
    fc.assert(
      fc.property(keysArb('shared'), fc.integer({ min: 1, max: 4 }), (keys, cycles) => {
        const pool = new KeyPool(keys, 'weighted');
        const total = keys.reduce((s, k) => s + k.weight, 0);
        for (let c = 0; c < cycles; c++) {
          const picks = Array.from({ length: total }, () => pool.pick(() => true));
          expect(counts(picks, keys.length)).toEqual(keys.map((k) => k.weight));
        }
      }),
      RUNS,
    );
  });

  it('11b. weighted over a usable subset spreads picks by the subset weights', () => {
    fc.assert(
      fc.property(keysArb('byok', 2, 6), fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), (keys, mask) => {
        fc.pre(keys.some((_, i) => mask[i]));
        const pool = new KeyPool(keys, 'weighted');
        const usable = (i: number): boolean => mask[i] === true;
        const total = keys.reduce((s, k, i) => s + (usable(i) ? k.weight : 0), 0);
        const picks = Array.from({ length: total }, () => pool.pick(usable));
        expect(counts(picks, keys.length)).toEqual(keys.map((k, i) => (usable(i) ? k.weight : 0)));
      }),
      RUNS,
    );
  });

  it('11b. random picks by weight: an evenly spread random source yields each key exactly its weight', () => {
    fc.assert(
      fc.property(keysArb('shared'), (keys) => {
        const total = keys.reduce((s, k) => s + k.weight, 0);
        let j = 0;
        // (j + 0.5) / total walks the middle of every unit slot of the cumulative weights once
        const pool = new KeyPool(keys, 'random', () => (j++ + 0.5) / total);
        const picks = Array.from({ length: total }, () => pool.pick(() => true));
        expect(counts(picks, keys.length)).toEqual(keys.map((k) => k.weight));
      }),
      RUNS,
    );
  });

  it('11c. fallback always picks the first usable key (of the preferred tier)', () => {
    fc.assert(
      fc.property(keysArb(undefined), fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { maxLength: 8 }), (keys, masks) => {
        const pool = new KeyPool(keys, 'fallback');
        for (const mask of masks) {
          const usable = (i: number): boolean => mask[i] === true;
          const firstByok = keys.findIndex((k, i) => k.tier === 'byok' && usable(i));
          const firstShared = keys.findIndex((k, i) => k.tier === 'shared' && usable(i));
          expect(pool.pick(usable)).toBe(firstByok >= 0 ? firstByok : firstShared);
        }
      }),
      RUNS,
    );
  });

  it('11d. no strategy ever returns a key that is not usable; -1 exactly when none is', () => {
    fc.assert(
      fc.property(
        keysArb(undefined),
        fc.constantFrom(...STRATEGIES),
        fc.integer(),
        fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        (keys, strategy, seed, masks) => {
          const pool = new KeyPool(keys, strategy, seededRandom(seed));
          for (const mask of masks) {
            const usable = (i: number): boolean => mask[i] === true;
            const anyUsable = keys.some((_, i) => usable(i));
            const picked = pool.pick(usable);
            if (!anyUsable) expect(picked).toBe(-1);
            else {
              expect(picked).toBeGreaterThanOrEqual(0);
              expect(picked).toBeLessThan(keys.length);
              expect(usable(picked)).toBe(true);
            }
          }
        },
      ),
      RUNS,
    );
  });

  it('11e. BYOK keys are picked before shared ones, whatever the strategy', () => {
    fc.assert(
      fc.property(
        keysArb(undefined, 1, 6),
        fc.constantFrom(...STRATEGIES),
        fc.integer(),
        fc.array(fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }), { minLength: 1, maxLength: 20 }),
        (keys, strategy, seed, masks) => {
          const pool = new KeyPool(keys, strategy, seededRandom(seed));
          for (const mask of masks) {
            const usable = (i: number): boolean => mask[i] === true;
            const byokUsable = keys.some((k, i) => k.tier === 'byok' && usable(i));
            const picked = pool.pick(usable);
            if (byokUsable) expect(keys[picked]!.tier).toBe('byok');
          }
        },
      ),
      RUNS,
    );
  });

  it('11e. a quarantined (unusable) BYOK tier falls through to the shared keys, with the strategy applied there', () => {
    fc.assert(
      fc.property(keysArb('byok', 1, 3), keysArb('shared', 1, 3), fc.integer({ min: 1, max: 3 }), (byok, shared, k) => {
        const keys = [...byok, ...shared].map((key, i) => ({ ...key, name: `k${i}` }));
        const pool = new KeyPool(keys, 'round-robin');
        const onlyShared = (i: number): boolean => keys[i]!.tier === 'shared';
        const picks = Array.from({ length: k * shared.length }, () => pool.pick(onlyShared));
        expect(counts(picks, keys.length)).toEqual(keys.map((key) => (key.tier === 'shared' ? k : 0)));
      }),
      RUNS,
    );
  });
});
