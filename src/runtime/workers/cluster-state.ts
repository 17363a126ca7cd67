/**
 * A worker's shared state without Redis: health marks and prompt-cache sticky entries go to the primary of
 * `serve --workers`, which hands them to the other workers (and the marks to a worker that starts later).
 * Budget spend and tpm tokens are added up by the primary, which answers each add with the total; the
 * workers tell each other the totals through it. The rpm limit is not shared this way: the primary refuses
 * `--workers` above 1 with a gateway-key rpm unless `state.redis` is set.
 */
import { isCounterBatch, isStickyEvent, RPM_WINDOW_MS, type CounterBatch, type CounterKind, type MarkEvent, type SharedState, type StatsBatch, type StickyEvent } from '../state/shared-state.js';
import { isMessage, TAG, type FromWorker, type ToWorker } from './worker-messages.js';

export class ClusterState implements SharedState {
  readonly name = 'cluster';
  private handler: ((event: MarkEvent) => void) | undefined;
  private statsHandler: ((batch: StatsBatch) => void) | undefined;
  private noticeHandler: ((notice: 'keys') => void) | undefined;
  private stickyHandler: ((event: StickyEvent) => void) | undefined;
  private totalsHandler: ((batch: CounterBatch) => void) | undefined;
  private readonly pending: MarkEvent[];
  /** Adds waiting for the primary's total, by id. */
  private readonly counting = new Map<number, (total: number | undefined) => void>();
  private nextCount = 0;

  constructor(
    initial: MarkEvent[] = [],
    private readonly initialTotals: CounterBatch['totals'] = [],
  ) {
    this.pending = [...initial];
    // the primary is gone: no total will come
    process.once('disconnect', () => {
      for (const done of this.counting.values()) done(undefined);
      this.counting.clear();
    });
    process.on('message', (message: unknown) => {
      if (!isMessage<ToWorker>(message)) return;
      if (message[TAG] === 'counted') {
        this.counting.get(message.id)?.(message.total);
        this.counting.delete(message.id);
      } else if (message[TAG] === 'totals' && isCounterBatch(message.batch)) this.totalsHandler?.(message.batch);
      else if (message[TAG] === 'mark') this.handler?.(message.event);
      else if (message[TAG] === 'stats') this.statsHandler?.(message.batch);
      else if (message[TAG] === 'notice') this.noticeHandler?.(message.notice);
      else if (message[TAG] === 'sticky' && isStickyEvent(message.event)) this.stickyHandler?.(message.event);
    });
  }

  get up(): boolean {
    return process.connected === true;
  }

  onMark(handler: (event: MarkEvent) => void): void {
    this.handler = handler;
    // the marks in force when this worker started
    for (const event of this.pending.splice(0)) handler(event);
  }

  publishMark(event: MarkEvent): void {
    if (process.connected) process.send?.({ [TAG]: 'mark', event } satisfies FromWorker);
  }

  publishStats(batch: StatsBatch): void {
    if (process.connected) process.send?.({ [TAG]: 'stats', batch } satisfies FromWorker);
  }

  onStats(handler: (batch: StatsBatch) => void): void {
    this.statsHandler = handler;
  }

  addSpend(id: string, periodStart: number, usd: number): Promise<number | undefined> {
    return this.count(0, id, periodStart, usd);
  }

  addTokens(key: string, tokens: number, now: number): Promise<number | undefined> {
    return this.count(1, key, Math.floor(now / RPM_WINDOW_MS), tokens);
  }

  private count(kind: CounterKind, key: string, period: number, amount: number): Promise<number | undefined> {
    if (!process.connected || !process.send) return Promise.resolve(undefined);
    const id = this.nextCount++;
    return new Promise((resolve) => {
      this.counting.set(id, resolve);
      process.send!({ [TAG]: 'count', id, kind, key, period, amount } satisfies FromWorker);
    });
  }

  publishTotals(batch: CounterBatch): void {
    if (process.connected) process.send?.({ [TAG]: 'totals', batch } satisfies FromWorker);
  }

  onTotals(handler: (batch: CounterBatch) => void): void {
    this.totalsHandler = handler;
    // the counts in force when this worker started
    const totals = this.initialTotals.splice(0);
    if (totals.length > 0) handler({ origin: 'primary', totals });
  }

  publishNotice(notice: 'keys'): void {
    if (process.connected) process.send?.({ [TAG]: 'notice', notice } satisfies FromWorker);
  }

  onNotice(handler: (notice: 'keys') => void): void {
    this.noticeHandler = handler;
  }

  /** Sticky entries go to the other workers through the primary, which keeps none (a worker that starts later begins without them). */
  publishSticky(event: StickyEvent): void {
    if (process.connected) process.send?.({ [TAG]: 'sticky', event } satisfies FromWorker);
  }

  onSticky(handler: (event: StickyEvent) => void): void {
    this.stickyHandler = handler;
  }

  setLocalMarks(): void {
    // the primary keeps every mark a worker sent: nothing to push back
  }

  async close(): Promise<void> {}
}
