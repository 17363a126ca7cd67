/**
 * Prometheus metrics (prom-client) in a registry of the gateway's own. Counters and histograms are fed
 * once per finished request; health gauges and the dropped-record count are read at scrape time.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthMark, HealthState } from '../engine/health.js';
import type { RequestRecord } from './request-record.js';

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];
const OVERHEAD_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1];

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
    const model = record.servedModel ?? record.requestedModel;
    this.requests.inc({ model, status: String(record.status), protocol: record.protocol });
    let upstreamMs = 0;
    for (const a of record.attempts) {
      this.attempts.inc({ provider: a.provider, status: a.status !== undefined ? String(a.status) : (a.errorClass ?? a.outcome) });
      if (a.nextBecause !== undefined) this.failovers.inc({ provider: a.provider, reason: a.errorClass ?? a.outcome });
      upstreamMs += a.latencyMs;
    }
    this.latency.observe({ model }, record.latencyMs / 1000);
    if (record.ttfbMs !== undefined) this.ttfb.observe({ model }, record.ttfbMs / 1000);
    // attempts end when their answer (or a stream's first chunk) arrived: what is left before the client's first byte is ours
    if (record.attempts.length > 0) this.overhead.observe(Math.max(0, (record.ttfbMs ?? record.latencyMs) - upstreamMs) / 1000);
    if (record.tokens) {
      for (const kind of ['prompt', 'completion', 'cached', 'reasoning'] as const) if (record.tokens[kind] > 0) this.tokens.inc({ model, kind }, record.tokens[kind]);
    }
    if (record.costUsd !== undefined && record.costUsd > 0) this.cost.inc({ model }, record.costUsd);
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
