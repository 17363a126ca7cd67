/** What the primary of `serve --workers` and its workers say to each other over the cluster's IPC channel. */
import type { RoutingBundle } from '../../bundle/format.js';
import type { CounterBatch, CounterKind, MarkEvent, StatsBatch, StickyEvent } from '../state/shared-state.js';

/** Every message carries this member, so other IPC traffic (prom-client's, say) is told apart. */
export const TAG = 'anyrouter';

export type ToWorker =
  | { [TAG]: 'start'; bundle: RoutingBundle; marks: MarkEvent[]; totals?: CounterBatch['totals'] }
  | { [TAG]: 'reload'; bundle: RoutingBundle; seq: number }
  | { [TAG]: 'mark'; event: MarkEvent }
  | { [TAG]: 'stats'; batch: StatsBatch }
  | { [TAG]: 'notice'; notice: 'keys' }
  | { [TAG]: 'sticky'; event: StickyEvent }
  /** The total after a worker's `count`. */
  | { [TAG]: 'counted'; id: number; total: number }
  | { [TAG]: 'totals'; batch: CounterBatch }
  | { [TAG]: 'metrics-collect'; id: number }
  | { [TAG]: 'metrics-answer'; id: number; contentType: string; body: string }
  | { [TAG]: 'shutdown' };

export type FromWorker =
  /** Its listener is on: the primary may send `start`. */
  | { [TAG]: 'ready' }
  | { [TAG]: 'listening'; url: string }
  /** Its listener could not start (EADDRINUSE, EACCES): the primary stops every worker and fails. */
  | { [TAG]: 'listen-failed'; code?: string; message: string; address?: string; port?: number }
  | { [TAG]: 'reloaded'; seq: number; hash: string }
  | { [TAG]: 'mark'; event: MarkEvent }
  | { [TAG]: 'stats'; batch: StatsBatch }
  | { [TAG]: 'notice'; notice: 'keys' }
  | { [TAG]: 'sticky'; event: StickyEvent }
  /** Budget spend (kind 0) or tpm tokens (kind 1) to add to the primary's count; it answers `counted`. */
  | { [TAG]: 'count'; id: number; kind: CounterKind; key: string; period: number; amount: number }
  | { [TAG]: 'totals'; batch: CounterBatch }
  | { [TAG]: 'metrics-request'; id: number }
  | { [TAG]: 'metrics'; id: number; json: unknown[] };

export function isMessage<T extends { [TAG]: string }>(value: unknown): value is T {
  return typeof value === 'object' && value !== null && typeof (value as Record<string, unknown>)[TAG] === 'string';
}
