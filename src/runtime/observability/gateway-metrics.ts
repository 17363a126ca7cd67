/**
 * Prometheus metrics (prom-client) in a registry of the gateway's own. Counters and histograms are fed
 * once per finished request (collected-metrics.ts: no label hashing per call); health gauges and the
 * dropped-record count are read at scrape time.
 */
import { Counter, Gauge, Registry } from 'prom-client';
import type { AnswerStore, CacheCounts } from '../cache/response-cache.js';
import type { HealthMark, HealthState } from '../engine/health.js';
import { CollectedCounter, CollectedHistogram } from './collected-metrics.js';
import type { RequestRecord } from './request-record.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

const TOKEN_KINDS = ['prompt', 'completion', 'cached', 'reasoning'] as const;
/** The model label of a request that reached no upstream (refused, or naming no catalog model). */
const UNROUTED = '(unrouted)';

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
  /** Access log lines not printed (stdout blocked or closed). */
  droppedAccessLogLines: () => number;
}

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: CollectedCounter;
  private readonly attempts: CollectedCounter;
  private readonly failovers: CollectedCounter;
  private readonly latency: CollectedHistogram;
  private readonly ttfb: CollectedHistogram;
  private readonly overhead: CollectedHistogram;
  private readonly tokens: CollectedCounter;
  private readonly cost: CollectedCounter;
  private readonly panics: CollectedCounter;
  private readonly collectHooks: Array<() => void> = [];

  constructor(sources: MetricsSources) {
    const registers = [this.registry];
    this.requests = new CollectedCounter({ name: 'anyrouter_requests_total', help: 'Requests by served (or requested) model, final status and client protocol.', labelNames: ['model', 'status', 'protocol'], registers });
    this.attempts = new CollectedCounter({ name: 'anyrouter_upstream_attempts_total', help: 'Upstream attempts by provider and status (or error class).', labelNames: ['provider', 'status'], registers });
    this.failovers = new CollectedCounter({ name: 'anyrouter_failovers_total', help: 'Attempts after which the gateway moved on, by provider and reason.', labelNames: ['provider', 'reason'], registers });
    this.latency = new CollectedHistogram({ name: 'anyrouter_request_duration_seconds', help: 'Total request latency.', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers });
    this.ttfb = new CollectedHistogram({ name: 'anyrouter_time_to_first_byte_seconds', help: 'Time to the first byte sent to the client.', labelNames: ['model'], buckets: LATENCY_BUCKETS, registers });
    this.overhead = new CollectedHistogram({ name: 'anyrouter_gateway_overhead_seconds', help: 'Request latency not spent waiting on upstreams.', buckets: OVERHEAD_BUCKETS, registers });
    this.tokens = new CollectedCounter({ name: 'anyrouter_tokens_total', help: 'Tokens by model and kind (prompt, completion, cached, reasoning).', labelNames: ['model', 'kind'], registers });
    this.panics = new CollectedCounter({ name: 'anyrouter_panic_routes_total', help: 'Requests routed in panic mode (every upstream of the model was ejected), by model.', labelNames: ['model'], registers });
    this.cost = new CollectedCounter({ name: 'anyrouter_cost_usd_total', help: 'Cost in USD from the bundle pricing.', labelNames: ['model'], registers });
    new Gauge({
      name: 'anyrouter_upstreams_cooling',
      help: 'Upstreams (provider/model) ejected by outlier detection right now.',
      registers,
      // every worker holds the same marks: their largest count, not the sum
      aggregator: 'max',
      collect() {
        this.set(activeMarks(sources.health().upstreams, sources.now()));
      },
    });
    new Gauge({
      name: 'anyrouter_upstream_ejections',
      help: 'Upstream ejections by outlier detection since start.',
      registers,
      collect() {
        this.set(sources.health().ejectionsTotal);
      },
    });
    new Gauge({
      name: 'anyrouter_keys_quarantined',
      help: 'Provider keys quarantined right now.',
      registers,
      aggregator: 'max',
      collect() {
        this.set(activeMarks(sources.health().keys, sources.now()));
      },
    });
    new Gauge({
      name: 'anyrouter_access_log_lines_dropped',
      help: 'Access log lines not printed because stdout was blocked or closed, since start.',
      registers,
      collect() {
        this.set(sources.droppedAccessLogLines());
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
    this.requests.inc(model, record.status, record.protocol);
    let upstreamMs = 0;
    for (const a of record.attempts) {
      this.attempts.inc(a.provider, a.status ?? a.errorClass ?? a.outcome);
      if (a.nextBecause !== undefined) this.failovers.inc(a.provider, a.errorClass ?? a.outcome);
      upstreamMs += a.latencyMs;
    }
    if (record.attempts[0]?.routing === 'panic') this.panics.inc(model);
    this.latency.observe(record.latencyMs / 1000, model);
    if (record.ttfbMs !== undefined) this.ttfb.observe(record.ttfbMs / 1000, model);
    // attempts end when their answer (or a stream's first chunk) arrived: what is left before the client's first byte is ours
    if (record.attempts.length > 0) this.overhead.observe(Math.max(0, (record.ttfbMs ?? record.latencyMs) - upstreamMs) / 1000);
    const tokens = record.tokens;
    if (tokens) {
      for (const kind of TOKEN_KINDS) if (tokens[kind] > 0) this.tokens.inc(model, kind, undefined, tokens[kind]);
    }
    if (record.costUsd !== undefined && record.costUsd > 0) this.cost.inc(model, undefined, undefined, record.costUsd);
  }

  /** A gauge read at scrape time, for parts that live outside the metrics (the shared state, the workers). */
  gauge(name: string, help: string, read: () => number, aggregator: 'sum' | 'min' | 'max' = 'sum'): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      aggregator,
      collect() {
        this.set(read());
      },
    });
  }

  /**
   * The response cache's counts by backend (memory or redis), read at scrape time: hits, misses, stores,
   * evictions (memory: dropped for room), errors (redis: lookups and stores it did not answer) and the bytes
   * held (memory; Redis's own figure is its INFO memory).
   */
  responseCache(read: () => AnswerStore): void {
    const registers = [this.registry];
    const counter = (kind: keyof CacheCounts, help: string) =>
      new Counter({
        name: `anyrouter_cache_${kind}_total`,
        help,
        labelNames: ['backend'],
        registers,
        collect() {
          const store = read();
          this.reset();
          this.inc({ backend: store.backend }, store.counts[kind]);
        },
      });
    counter('hits', 'Response cache lookups answered from the cache, by backend.');
    counter('misses', 'Response cache lookups not answered from the cache (absent, expired, or the backend down), by backend.');
    counter('stores', 'Answers stored in the response cache, by backend.');
    counter('evictions', 'Response cache entries dropped to make room (memory backend), by backend.');
    counter('errors', 'Response cache lookups and stores the backend did not answer (Redis down: served from upstream), by backend.');
    new Gauge({
      name: 'anyrouter_cache_bytes',
      help: 'Bytes the response cache holds in this process (memory backend), by backend.',
      labelNames: ['backend'],
      registers,
      collect() {
        const store = read();
        this.reset();
        if (store.bytes !== undefined) this.set({ backend: store.backend }, store.bytes);
      },
    });
  }

  /** Runs `hook` before every collection: the records still waiting to be observed are counted first. */
  beforeCollect(hook: () => void): void {
    this.collectHooks.push(hook);
  }

  /** The metrics as prom-client's JSON, for a primary to add up over its workers. */
  async json(): Promise<unknown[]> {
    for (const hook of this.collectHooks) hook();
    return this.registry.getMetricsAsJSON();
  }

  async text(): Promise<{ contentType: string; body: string }> {
    for (const hook of this.collectHooks) hook();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
