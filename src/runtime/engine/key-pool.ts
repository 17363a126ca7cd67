/** Key selection per provider: fallback, round-robin, weighted and random, over the keys not quarantined. */
import type { KeyStrategy } from '../../bundle/format.js';

export interface PoolKey {
  name: string;
  weight: number;
  tier: 'byok' | 'shared';
}

export type Random = () => number;

export class KeyPool<K extends PoolKey = PoolKey> {
  private cursor = 0;
  /** Smooth weighted round-robin state (nginx's algorithm): deterministic and evenly interleaved. */
  private readonly current: number[];

  constructor(
    readonly keys: readonly K[],
    readonly strategy: KeyStrategy,
    private readonly random: Random = Math.random,
  ) {
    this.current = keys.map(() => 0);
  }

  /**
   * Picks the next key among those for which `usable(i)` holds. Returns the index into `keys`, or -1.
   * BYOK keys are always preferred over shared ones; the strategy applies within a tier.
   */
  pick(usable: (index: number) => boolean): number {
    const byok: number[] = [];
    const shared: number[] = [];
    this.keys.forEach((k, i) => {
      if (usable(i)) (k.tier === 'shared' ? shared : byok).push(i);
    });
    const tier = byok.length > 0 ? byok : shared;
    if (tier.length === 0) return -1;
    switch (this.strategy) {
      case 'fallback':
        return tier[0]!;
      case 'round-robin':
        return this.roundRobin(tier);
      case 'weighted':
        return this.weighted(tier);
      case 'random':
        return this.weightedRandom(tier);
    }
  }

  private roundRobin(usable: number[]): number {
    const n = this.keys.length;
    for (let step = 0; step < n; step++) {
      const i = (this.cursor + step) % n;
      if (usable.includes(i)) {
        this.cursor = (i + 1) % n;
        return i;
      }
    }
    return usable[0]!;
  }

  private weighted(usable: number[]): number {
    let total = 0;
    let best = usable[0]!;
    for (const i of usable) {
      const w = this.keys[i]!.weight;
      this.current[i]! += w;
      total += w;
      if (this.current[i]! > this.current[best]!) best = i;
    }
    this.current[best]! -= total;
    return best;
  }

  private weightedRandom(usable: number[]): number {
    const total = usable.reduce((s, i) => s + this.keys[i]!.weight, 0);
    let r = this.random() * total;
    for (const i of usable) {
      r -= this.keys[i]!.weight;
      if (r < 0) return i;
    }
    return usable[usable.length - 1]!;
  }
}
