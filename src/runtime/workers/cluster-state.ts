/**
 * A worker's shared state without Redis: health marks and prompt-cache sticky entries go to the primary of
 * `serve --workers`, which hands them to the other workers (and the marks to a worker that starts later). Limits are not shared this way: the
 * primary refuses `--workers` above 1 with gateway-key limits unless `state.redis` is set.
 */
import { isStickyEvent, type MarkEvent, type SharedState, type StatsBatch, type StickyEvent } from '../state/shared-state.js';
import { isMessage, TAG, type FromWorker, type ToWorker } from './worker-messages.js';

export class ClusterState implements SharedState {
  readonly name = 'cluster';
  private handler: ((event: MarkEvent) => void) | undefined;
  private statsHandler: ((batch: StatsBatch) => void) | undefined;
  private noticeHandler: ((notice: 'keys') => void) | undefined;
  private stickyHandler: ((event: StickyEvent) => void) | undefined;
  private readonly pending: MarkEvent[];

  constructor(initial: MarkEvent[] = []) {
    this.pending = [...initial];
    process.on('message', (message: unknown) => {
      if (!isMessage<ToWorker>(message)) return;
      if (message[TAG] === 'mark') this.handler?.(message.event);
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
