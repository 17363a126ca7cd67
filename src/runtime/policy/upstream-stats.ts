/**
 * Live per-upstream statistics over a rolling window: time to first byte (ms) and throughput
 * (tokens per second). Percentiles are recomputed at most once per `refreshMs`, not per request.
 */
import type { LiveStats } from './rank-candidates.js';

export interface Percentiles {
  p50: number;
  p75: number;
  p90: number;
  p99: number;
}

export interface UpstreamSnapshot {
  samples: number;
  ttfbMs?: Percentiles;
  tokensPerSecond?: Percentiles;
}

/**
 * The last `capacity` samples, in two typed rings: a sample per request costs no object (objects kept
 * for hundreds of requests outlived every young-generation collection and were promoted).
 */
class RollingSeries {
  private readonly at: Float64Array;
  private readonly values: Float64Array;
  private size = 0;
  private next = 0;
  private cached: { at: number; value: Percentiles | undefined } | undefined;

  constructor(
    private readonly capacity: number,
    private readonly windowMs: number,
  ) {
    this.at = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  add(at: number, value: number): void {
    this.at[this.next] = at;
    this.values[this.next] = value;
    this.next = (this.next + 1) % this.capacity;
    if (this.size < this.capacity) this.size++;
    // a cached result stands until it is refreshMs old; only a cache of nothing gives way at once
    if (this.cached?.value === undefined) this.cached = undefined;
  }

  get count(): number {
    return this.size;
  }

  percentiles(now: number, refreshMs: number): Percentiles | undefined {
    if (this.cached && now - this.cached.at < refreshMs) return this.cached.value;
    const inWindow: number[] = [];
    for (let i = 0; i < this.size; i++) if (now - this.at[i]! <= this.windowMs) inWindow.push(this.values[i]!);
    const values = inWindow.sort((a, b) => a - b);
    const value = values.length === 0 ? undefined : { p50: pick(values, 0.5), p75: pick(values, 0.75), p90: pick(values, 0.9), p99: pick(values, 0.99) };
    this.cached = { at: now, value };
    return value;
  }
}

/** Nearest-rank percentile of sorted values. */
export function pick(sorted: readonly number[], q: number): number {
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

/** The stats as ranking reads them at one moment. */
class LiveView implements LiveStats {
  now = 0;

  constructor(private readonly stats: UpstreamStats) {}

  ttfb(upstream: string): Percentiles | undefined {
    return this.stats.ttfbPercentiles(upstream, this.now);
  }

  throughput(upstream: string): Percentiles | undefined {
    return this.stats.throughputPercentiles(upstream, this.now);
  }

  latencyEwma(upstream: string): number | undefined {
    return this.stats.latencyEwma(upstream);
  }
}

/** Weight of the newest sample in the latency EWMA (about the last 10 samples count). */
const EWMA_ALPHA = 0.2;

export interface UpstreamStatsOptions {
  capacity?: number;
  windowMs?: number;
  refreshMs?: number;
}

export type StatKind = 'ttfb' | 'throughput';

export class UpstreamStats {
  private readonly ttfb = new Map<string, RollingSeries>();
  private readonly throughput = new Map<string, RollingSeries>();
  private readonly capacity: number;
  private readonly windowMs: number;
  private readonly refreshMs: number;
  private readonly view = new LiveView(this);
  /** Told of every sample recorded here (not of those `applyRemote` brings): to share it. */
  onSample: ((kind: StatKind, upstream: string, at: number, value: number) => void) | undefined;
  /** Exponentially weighted mean of time to first byte per upstream (each sample weighs EWMA_ALPHA). */
  private readonly ewma = new Map<string, number>();

  constructor(options: UpstreamStatsOptions = {}) {
    this.capacity = Math.max(1, Math.floor(options.capacity ?? 256));
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.refreshMs = options.refreshMs ?? 1_000;
  }

  private series(map: Map<string, RollingSeries>, upstream: string): RollingSeries {
    let s = map.get(upstream);
    if (!s) {
      s = new RollingSeries(this.capacity, this.windowMs);
      map.set(upstream, s);
    }
    return s;
  }

  recordTtfb(upstream: string, at: number, ms: number): void {
    this.addTtfb(upstream, at, ms);
    this.onSample?.('ttfb', upstream, at, ms);
  }

  private addTtfb(upstream: string, at: number, ms: number): void {
    this.series(this.ttfb, upstream).add(at, ms);
    const before = this.ewma.get(upstream);
    this.ewma.set(upstream, before === undefined ? ms : before + EWMA_ALPHA * (ms - before));
  }

  /** The live EWMA of an upstream's time to first byte (ms), undefined before its first sample. */
  latencyEwma(upstream: string): number | undefined {
    return this.ewma.get(upstream);
  }

  recordThroughput(upstream: string, at: number, tokensPerSecond: number): void {
    if (!Number.isFinite(tokensPerSecond) || tokensPerSecond <= 0) return;
    this.series(this.throughput, upstream).add(at, tokensPerSecond);
    this.onSample?.('throughput', upstream, at, tokensPerSecond);
  }

  /** A sample another instance recorded: into the same series, not shared again. */
  applyRemote(kind: StatKind, upstream: string, at: number, value: number): void {
    if (!Number.isFinite(value) || value < 0) return;
    if (kind === 'ttfb') this.addTtfb(upstream, at, value);
    else this.series(this.throughput, upstream).add(at, value);
  }

  ttfbPercentiles(upstream: string, now: number): Percentiles | undefined {
    return this.ttfb.get(upstream)?.percentiles(now, this.refreshMs);
  }

  throughputPercentiles(upstream: string, now: number): Percentiles | undefined {
    return this.throughput.get(upstream)?.percentiles(now, this.refreshMs);
  }

  /** The stats at `now`, as planning reads them: one view, reused (planning is synchronous), rather than two closures per request. */
  liveAt(now: number): LiveStats {
    this.view.now = now;
    return this.view;
  }

  snapshot(upstream: string, now: number): UpstreamSnapshot {
    const ttfbMs = this.ttfbPercentiles(upstream, now);
    const tokensPerSecond = this.throughputPercentiles(upstream, now);
    return { samples: this.ttfb.get(upstream)?.count ?? 0, ...(ttfbMs ? { ttfbMs } : {}), ...(tokensPerSecond ? { tokensPerSecond } : {}) };
  }
}
