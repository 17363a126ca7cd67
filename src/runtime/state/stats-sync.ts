/**
 * Shares the live per-upstream stats (`sort: latency`, `preferred_max_latency`, `preferred_min_throughput`
 * read them) between instances: samples gather here and go out in one batch every half second, off the
 * request path; other instances' batches go into the same series. Every instance then ranks on all traffic.
 */
import { randomUUID } from 'node:crypto';
import type { UpstreamStats } from '../policy/upstream-stats.js';
import type { SharedState, StatsBatch } from './shared-state.js';

const FLUSH_MS = 500;
/** At most this many samples wait for a flush; more are dropped (the series keep only the newest anyway). */
const MAX_PENDING = 2_048;

export function syncStats(stats: UpstreamStats, shared: SharedState, origin: string = randomUUID()): () => void {
  if (!shared.publishStats || !shared.onStats) return () => undefined;
  let pending: StatsBatch['samples'] = [];
  stats.onSample = (kind, upstream, at, value) => {
    if (pending.length < MAX_PENDING) pending.push([kind === 'ttfb' ? 0 : 1, upstream, at, value]);
  };
  shared.onStats((batch) => {
    if (batch.origin === origin || !Array.isArray(batch.samples)) return;
    for (const [kind, upstream, at, value] of batch.samples) if (typeof upstream === 'string') stats.applyRemote(kind === 0 ? 'ttfb' : 'throughput', upstream, at, value);
  });
  const timer = setInterval(() => {
    if (pending.length === 0) return;
    const samples = pending;
    pending = [];
    shared.publishStats!({ origin, samples });
  }, FLUSH_MS);
  timer.unref();
  return () => clearInterval(timer);
}
