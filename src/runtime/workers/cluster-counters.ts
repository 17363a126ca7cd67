/**
 * The primary's counts of budget spend and gateway-key tpm tokens for `serve --workers` without Redis: a
 * worker adds an answer's cost or tokens here (one IPC message, off the request path) and gets the total
 * back, as INCRBYFLOAT would answer; the workers tell each other the totals (relayed by the primary, in
 * batches). One count per budget and key: the current period's (or minute's); a newer one replaces it.
 */
import type { CounterBatch, CounterKind } from '../state/shared-state.js';

export class ClusterCounters {
  private readonly totals = new Map<string, [CounterKind, string, number, number]>();

  /** Adds `amount` to counter `key` of `kind` for `period`: the period's total after it. */
  add(kind: CounterKind, key: string, period: number, amount: number): number {
    const id = `${kind} ${key}`;
    const row = this.totals.get(id);
    // a late add for a period that has ended counts only for itself
    if (row !== undefined && row[2] > period) return amount;
    const total = (row !== undefined && row[2] === period ? row[3] : 0) + amount;
    this.totals.set(id, [kind, key, period, total]);
    return total;
  }

  /** Every count, for a worker that starts (or restarts) now. */
  inForce(): CounterBatch['totals'] {
    return [...this.totals.values()];
  }
}
