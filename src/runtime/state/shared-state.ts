/**
 * What gateway instances share: the health marks (upstream ejections, key quarantines), the prompt-cache
 * sticky entries and the gateway-key request counters (and, in Redis, the response cache). Each instance
 * keeps its own `HealthState` and `StickyRoutes` as the local view the planner reads; a shared state only
 * carries marks and entries between instances (pub/sub, IPC) and counts limits, so no routing decision
 * waits on it.
 */

/** A health mark one instance made, for the others. Times are epoch ms (instances share a clock). */
export interface MarkEvent {
  kind: 'upstream' | 'key';
  id: string;
  until: number;
  error: string;
  at: number;
  rateLimited?: boolean;
  /** The instance that made it (its own marks come back on the channel and are skipped). */
  origin: string;
}

export interface SharedState {
  readonly name: 'redis' | 'cluster';
  /** Whether the backend answers right now. */
  readonly up: boolean;
  /** Calls `handler` with every mark another instance publishes (and, on (re)connect, the marks in force). */
  onMark(handler: (event: MarkEvent) => void): void;
  publishMark(event: MarkEvent): void;
  /**
   * Takes up to `tokens` of gateway key `key`'s `limit` requests in the minute window of `now`: how many it
   * got (fewer, or 0, when the window is nearly or wholly used), or undefined when the backend cannot
   * answer. Absent where limits cannot be shared.
   */
  takeTokens?(key: string, tokens: number, limit: number, now: number): Promise<number | undefined>;
  /** Adds `tokens` to gateway key `key`'s count in the minute window of `now`: the window's total after it, or undefined. */
  addTokens?(key: string, tokens: number, now: number): Promise<number | undefined>;
  /** Adds `usd` to budget `id`'s spend for the period starting at `periodStart`: the period's total after it, or undefined. */
  addSpend?(id: string, periodStart: number, usd: number): Promise<number | undefined>;
  /** Budget-spend and tpm totals this instance read back from the backend, in a batch; and the others' as they come (and, on reconnect, the counters in force, as a batch marked `resync`). */
  publishTotals?(batch: CounterBatch): void;
  onTotals?(handler: (batch: CounterBatch) => void): void;
  /** Live-stats samples (ttfb, throughput) this instance recorded, in a batch; and the others' as they come. */
  publishStats?(batch: StatsBatch): void;
  onStats?(handler: (batch: StatsBatch) => void): void;
  /** A notice that something every instance rereads has changed (the run-time gateway keys). */
  publishNotice?(notice: 'keys'): void;
  onNotice?(handler: (notice: 'keys') => void): void;
  /** A prompt-cache sticky entry this instance made (new, moved or renewed), for the others; and theirs as they come. */
  publishSticky?(event: StickyEvent): void;
  onSticky?(handler: (event: StickyEvent) => void): void;
  /** Sticky entries this instance holds, pushed to the backend after it comes back. */
  setLocalSticky?(read: () => StickyEvent[]): void;
  /** A cached answer's bytes: null when there is none, undefined when the backend does not answer. */
  readAnswer?(key: string): Promise<Buffer | null | undefined>;
  /** Stores a cached answer's bytes for `ttlMs`; false when the backend does not answer. */
  storeAnswer?(key: string, bytes: Buffer, ttlMs: number): Promise<boolean>;
  /** Marks this instance holds, pushed to the backend after it comes back. */
  setLocalMarks(read: () => MarkEvent[]): void;
  close(): Promise<void>;
}

export const RPM_WINDOW_MS = 60_000;

/** Prompt-cache stickiness: a conversation prefix (its model and hash) prefers `upstream` until `until` (epoch ms). */
export interface StickyEvent {
  key: string;
  upstream: string;
  until: number;
  origin: string;
}

export function isStickyEvent(value: unknown): value is StickyEvent {
  const e = value as Partial<StickyEvent> | null;
  return typeof e === 'object' && e !== null && typeof e.key === 'string' && typeof e.upstream === 'string' && typeof e.until === 'number' && typeof e.origin === 'string';
}

/** Samples as flat rows: [kind (0 ttfb, 1 throughput), upstream, at, value]. */
export interface StatsBatch {
  origin: string;
  samples: Array<[0 | 1, string, number, number]>;
}

/** Which shared counter a total is of: 0 a budget's spend (USD), 1 a gateway key's tpm tokens. */
export type CounterKind = 0 | 1;

/**
 * Counter totals as flat rows: [kind, id (budget id or key name), period (a budget's period start, epoch ms;
 * or the tpm minute window, epoch minutes), total]. `resync`: the counters in force, read after a reconnect.
 */
export interface CounterBatch {
  origin: string;
  totals: Array<[CounterKind, string, number, number]>;
  resync?: boolean;
}

export function isCounterBatch(value: unknown): value is CounterBatch {
  const b = value as Partial<CounterBatch> | null;
  return typeof b === 'object' && b !== null && typeof b.origin === 'string' && Array.isArray(b.totals);
}
