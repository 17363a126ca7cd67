/**
 * Keeps every instance's view of budget spend and tpm tokens current. Each add goes to the backend off the
 * request path (INCRBYFLOAT, INCRBY); the total its reply gives is applied by the caller and gathered here
 * for the others, who get the newest total per counter in one batch every COUNTER_FLUSH_MS. A view only ever takes the larger of its
 * own count and a total it hears (totals only grow within a period), so once the last reply's total is
 * delivered every instance holds the same figure. Backend down: counts stay local, and the amounts the
 * backend missed are added again when it is back (its counters in force come first, as a `resync` batch).
 */
import { randomUUID } from 'node:crypto';
import { RPM_WINDOW_MS, type CounterBatch, type CounterKind, type SharedState } from './shared-state.js';

export const COUNTER_FLUSH_MS = 150;

/** Where totals land: the ledger and the gateway auth of the state in force (both change on a reload). */
export interface CounterViews {
  applySpendTotal(id: string, periodStart: number, usd: number): void;
  applyTokenTotal(key: string, window: number, tokens: number): void;
}

type Adder = (id: string, period: number, amount: number) => Promise<number | undefined>;

export class SharedCounters {
  /** The newest total per counter since the last flush, by `kind id period`. */
  private pending = new Map<string, [CounterKind, string, number, number]>();
  /** Amounts the backend did not take (it was down), by counter, to add again when it is back. */
  private readonly missed = new Map<string, [CounterKind, string, number, number]>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly shared: Pick<SharedState, 'addSpend' | 'addTokens' | 'publishTotals' | 'onTotals'>,
    private readonly views: () => CounterViews | undefined,
    private readonly origin: string = randomUUID(),
  ) {
    shared.onTotals?.((batch) => this.receive(batch));
  }

  /** Publishes every FLUSH_MS (unref'd); returns the stop. */
  start(flushMs = COUNTER_FLUSH_MS): () => void {
    if (!this.shared.publishTotals) return () => undefined;
    this.timer ??= setInterval(() => this.flush(), flushMs);
    this.timer.unref();
    return () => {
      clearInterval(this.timer);
      this.timer = undefined;
    };
  }

  /** For `BudgetLedger.shared`: adds spend; the total goes out with the next batch. */
  readonly addSpend = (id: string, periodStart: number, usd: number): Promise<number | undefined> =>
    this.add(0, id, periodStart, usd, (i, p, a) => this.shared.addSpend?.(i, p, a) ?? Promise.resolve(undefined));

  /** For `GatewayAuth.sharedTokens`: adds tokens in `now`'s minute window; the total goes out with the next batch. */
  readonly addTokens = (key: string, tokens: number, now: number): Promise<number | undefined> =>
    this.add(1, key, Math.floor(now / RPM_WINDOW_MS), tokens, (k, window, t) => this.shared.addTokens?.(k, t, window * RPM_WINDOW_MS) ?? Promise.resolve(undefined));

  /** Sends the gathered totals (nothing when none changed). */
  flush(): void {
    if (this.pending.size === 0 || !this.shared.publishTotals) return;
    const totals = [...this.pending.values()];
    this.pending = new Map();
    this.shared.publishTotals({ origin: this.origin, totals });
  }

  /** Another instance's totals (its own come back and are skipped), or the backend's counters after a reconnect. */
  receive(batch: CounterBatch): void {
    if (batch.origin === this.origin) return;
    for (const row of batch.totals) if (Array.isArray(row)) this.apply(...row);
    if (batch.resync) this.addMissed();
  }

  private async add(kind: CounterKind, id: string, period: number, amount: number, adder: Adder): Promise<number | undefined> {
    const total = await adder(id, period, amount);
    if (total === undefined) {
      const before = this.missed.get(`${kind} ${id} ${period}`);
      this.missed.set(`${kind} ${id} ${period}`, [kind, id, period, (before?.[3] ?? 0) + amount]);
      return undefined;
    }
    // the adder's caller (the ledger, the auth) applies its own reply; the others hear of it here.
    // Replies can come out of order: the largest is the newest total.
    const key = `${kind} ${id} ${period}`;
    if (!((this.pending.get(key)?.[3] ?? -Infinity) >= total)) this.pending.set(key, [kind, id, period, total]);
    return total;
  }

  private apply(kind: CounterKind, id: string, period: number, total: number): void {
    if (typeof id !== 'string' || typeof period !== 'number' || typeof total !== 'number') return;
    const views = this.views();
    if (kind === 0) views?.applySpendTotal(id, period, total);
    else if (kind === 1) views?.applyTokenTotal(id, period, total);
  }

  private addMissed(): void {
    const rows = [...this.missed.values()];
    this.missed.clear();
    const window = Math.floor(Date.now() / RPM_WINDOW_MS);
    for (const [kind, id, period, amount] of rows) {
      // a past minute's tokens no longer limit anyone
      if (kind === 1 && period !== window) continue;
      // no caller waits on these adds: the view takes their totals here
      void (kind === 0 ? this.addSpend(id, period, amount) : this.addTokens(id, amount, period * RPM_WINDOW_MS)).then((total) => {
        if (total !== undefined) this.apply(kind, id, period, total);
      });
    }
  }
}
