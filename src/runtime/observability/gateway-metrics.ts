/**
 * Prometheus metrics (prom-client) in a registry of the gateway's own. Counters and histograms are fed
 * once per finished request; health gauges and the dropped-record count are read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthMark, HealthState } from '../engine/health.js';
import type { RequestRecord } from './request-record.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

const TOKEN_KINDS = ['prompt', 'completion', 'cached', 'reasoning'] as const;
/** The model label of a request that reached no upstream (refused, or naming no catalog model). */
const UNROUTED = '(unrouted)';
const MAX_CACHED_CHILDREN = 10_000;

/** How many health marks (cooldowns or quarantines) are still in force at `now`. */
function activeMarks(marks: ReadonlyMap<string, HealthMark>, now: number): number {
  let n = 0;
  for (const mark of marks.values()) if (mark.until > now) n++;
  return n;
}

export interface MetricsSources {
  health: () => HealthState;
  now: () => number;
  droppedRecords: () => number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'model' | 'status' | 'protocol'>;
  private readonly attempts: Counter<'provider' | 'status'>;
  private readonly failovers: Counter<'provider' | 'reason'>;
  private readonly latency: Histogram<'model'>;
  private readonly ttfb: Histogram<'model'>;
  private readonly overhead: Histogram;
  private readonly tokens: Counter<'model' | 'kind'>;
  private readonly cost: Counter<'model'>;
  private readonly children = new Map<object, Map<string, unknown>>();
  private readonly collectHooks: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'anyrouter_requests_total', help: 'Requests by served (or requested) model, final status and client protocol.', labelNames: ['model', 'status', 'protocol'], registers });
    this.attempts = new Counter({ name: 'anyrouter_upstream_attempts_total', help: 'Upstream attempts by provider and status (or error class).', labelNames: ['provider', 'status'], registers });
    this.failovers = new Counter({ name: 'anyrouter_failovers_total', help: 'Attempts after which the gateway moved on, by provider and reason.', labelNames: ['provider', 'reason'], registers });
    this.latency = new Histogram({ name: 'anyrouter_request_duration_seconds', help: 'Total request latency.', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers });
    this.ttfb = new Histogram({ name: 'anyrouter_time_to_first_byte_seconds', help: 'Time to the first byte sent to the client.', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers });
    this.overhead = new Histogram({ name: 'anyrouter_gateway_overhead_seconds', help: 'Request latency not spent waiting on upstreams.', buckets: OVERHEAD_BUCKETS, registers });
    this.tokens = new Counter({ name: 'anyrouter_tokens_total', help: 'Tokens by model and kind (prompt, completion, cached, reasoning).', labelNames: ['model', 'kind'], registers });
    this.cost = new Counter({ name: 'anyrouter_cost_usd_total', help: 'Cost in USD from the bundle pricing.', labelNames: ['model'], registers });
    new Gauge({
      name: 'anyrouter_upstreams_cooling',
      help: 'Upstreams (provider/model) cooling down right now.',
      registers,
      collect() {
        this.set(activeMarks(sources.health().upstreams, sources.now()));
      },
    });
    new Gauge({
      name: 'anyrouter_keys_quarantined',
      help: 'Provider keys quarantined right now.',
      registers,
      collect() {
        this.set(activeMarks(sources.health().keys, sources.now()));
      },
    });
    new Gauge({
      name: 'anyrouter_log_records_dropped',
      help: 'Request records dropped by the log queue (full queue or failing store) since start.',
      registers,
      collect() {
        this.set(sources.droppedRecords());
      },
    });
  }

  observe(record: RequestRecord): void {
    // a model name the client made up (a refused request) is not a label: it would grow the registry without bound
    const model = record.servedModel ?? (record.attempts.length > 0 ? record.requestedModel : UNROUTED);
    this.child(this.requests, `${model}\u0000${record.status}\u0000${record.protocol}`, () => ({ model, status: String(record.status), protocol: record.protocol })).inc();
    let upstreamMs = 0;
    for (const a of record.attempts) {
      const status = a.status !== undefined ? String(a.status) : (a.errorClass ?? a.outcome);
      this.child(this.attempts, `${a.provider}\u0000${status}`, () => ({ provider: a.provider, status })).inc();
      if (a.nextBecause !== undefined) {
        const reason = a.errorClass ?? a.outcome;
        this.child(this.failovers, `${a.provider}\u0000${reason}`, () => ({ provider: a.provider, reason })).inc();
      }
      upstreamMs += a.latencyMs;
    }
    this.child(this.latency, model, () => ({ model })).observe(record.latencyMs / 1000);
    if (record.ttfbMs !== undefined) this.child(this.ttfb, model, () => ({ model })).observe(record.ttfbMs / 1000);
    // attempts end when their answer (or a stream's first chunk) arrived: what is left before the client's first byte is ours
    if (record.attempts.length > 0) this.overhead.observe(Math.max(0, (record.ttfbMs ?? record.latencyMs) - upstreamMs) / 1000);
    if (record.tokens) {
      for (const kind of TOKEN_KINDS) if (record.tokens[kind] > 0) this.child(this.tokens, `${model}\u0000${kind}`, () => ({ model, kind })).inc(record.tokens[kind]);
    }
    if (record.costUsd !== undefined && record.costUsd > 0) this.child(this.cost, model, () => ({ model })).inc(record.costUsd);
  }

  /**
   * The metric's child for one label set, looked up by a key of our own: prom-client hashes the label
   * object on every call otherwise. The cache is per metric and cleared if it ever grows past a bound.
   */
  private child<M extends Counter<string> | Histogram<string>>(metric: M, key: string, labels: () => Record<string, string>): ReturnType<M['labels']> {
    let cache = this.children.get(metric);
    if (cache === undefined) this.children.set(metric, (cache = new Map()));
    let child = cache.get(key);
    if (child === undefined) {
      if (cache.size >= MAX_CACHED_CHILDREN) cache.clear();
      child = metric.labels(labels());
      cache.set(key, child);
    }
    return child as ReturnType<M['labels']>;
  }

  /** Runs `hook` before every collection: the records still waiting to be observed are counted first. */
  beforeCollect(hook: () => void): void {
    this.collectHooks.push(hook);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    for (const hook of this.collectHooks) hook();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
