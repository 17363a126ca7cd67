/** The primary's counts for `serve --workers`: totals per period, a newer period starts over, a late add for an ended one counts only for itself. */
import { describe, expect, it } from 'vitest';
import { ClusterCounters } from '../../src/runtime/workers/cluster-counters.js';

describe('cluster counters', () => {
  it('answers each add with the total, one count per budget and key, the newest period kept', () => {
    const counters = new ClusterCounters();
    expect(counters.add(0, 'key:team', 100, 1.5)).toBe(1.5);
    expect(counters.add(0, 'key:team', 100, 2)).toBe(3.5);
    expect(counters.add(1, 'team', 7, 2000)).toBe(2000);
    expect(counters.add(1, 'team', 8, 500)).toBe(500);
    expect(counters.add(1, 'team', 7, 100)).toBe(100);
    expect(counters.inForce()).toEqual([
      [0, 'key:team', 100, 3.5],
      [1, 'team', 8, 500],
    ]);
  });
});
