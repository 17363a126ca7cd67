/**
 * What the gateway does with each finished request: the request log (SQLite, or PostgreSQL), Prometheus metrics, the
 * stdout access log and, when configured, OpenTelemetry spans. Started once from the bundle.
 */
import type { BundleObservability } from '../../bundle/format.js';
import type { HealthState } from '../engine/health.js';
import type { AccessLogTarget } from './access-log.js';
import { GatewayMetrics } from './gateway-metrics.js';
import { startRequestLog, type RequestLog } from './request-log.js';
import type { RequestRecord } from './request-record.js';
import { startRequestTracing, type RequestTracer } from './request-tracing.js';

export interface Observability {
  readonly metrics: GatewayMetrics;
  /** Absent when `logging.enabled` is false. */
  readonly log: RequestLog | undefined;
  readonly bodies: boolean;
  /** Per finished request: appends it for the next flush (at most FLUSH_MS away); never throws, never waits. */
  record(record: RequestRecord): void;
  /** Hands the records gathered so far to metrics, the logs and the tracer now. */
  flush(): void;
  /** Key values of a reloaded bundle: kept out of the request log from now on, like the first ones. */
  addSecrets(values: Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

export interface ObservabilityOptions {
  config: BundleObservability;
  /** Provider key values (and any other secret) that must never be stored. */
  secrets: string[];
  health: () => HealthState;
  now: () => number;
  /** Resolved OTLP headers (env references already read). */
  otlpHeaders: Record<string, string>;
  /** `logging.postgres.url` read from the environment: the request log goes there instead of the SQLite file. */
  postgresUrl?: string;
  log?: (line: string) => void;
  /** Where the access log goes: a file descriptor or a file to append to (default 1, stdout). */
  accessLogTo?: AccessLogTarget;
}

/** How long a finished request's record waits before metrics and the logs see it. */
const FLUSH_MS = 10;
/** Records gathered at most between flushes (a stalled event loop): past it they are dropped and counted. */
const MAX_PENDING_RECORDS = 20_000;

export async function startObservability(options: ObservabilityOptions): Promise<Observability> {
  const { logging, telemetry } = options.config;
  const note = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  let lastErrorNote = 0;
  // the log worker writes both the request log and the access log; it runs when either is on
  const logPipeline = logging.enabled || logging.accessLog
    ? await startRequestLog({
        store: logging.enabled,
        ...(logging.accessLog ? { accessLog: options.accessLogTo ?? 1 } : {}),
        path: logging.path,
        ...(options.postgresUrl !== undefined ? { postgres: { url: options.postgresUrl } } : {}),
        secrets: options.secrets,
        bodies: { enabled: logging.bodies, maxBytes: logging.bodyMaxBytes, redact: logging.redact },
        retentionDays: logging.retentionDays,
        onError: (error) => {
          // at most one line a minute: a failing disk or database must not flood stderr
          if (options.now() - lastErrorNote < 60_000) return;
          lastErrorNote = options.now();
          note(`anyrouter: request log write failed (${(error as Error).name}); records are being dropped and counted`);
        },
      })
    : undefined;
  const metrics = new GatewayMetrics({
    health: options.health,
    now: options.now,
    droppedRecords: () => (logPipeline?.stats().dropped ?? 0) + dropped,
    droppedAccessLogLines: () => logPipeline?.stats().accessLogDropped ?? 0,
  });
  const tracer: RequestTracer | undefined = telemetry.otlpEndpoint
    ? await startRequestTracing({ endpoint: telemetry.otlpEndpoint, headers: options.otlpHeaders, serviceName: telemetry.serviceName })
    : undefined;

  // Per request the event loop only appends the record; a timer hands what gathered to metrics, the
  // log queue and the tracer in one loop. Handling records one after another like this cost the event
  // loop a fraction of handling each as its request ended (the code and the data stay in cache).
  // The wait is short so that the records die young.
  let pending: RequestRecord[] = [];
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = pending;
    pending = [];
    for (const record of batch) {
      try {
        metrics.observe(record);
        // written into the queue's binary batch; the worker makes the access log line and the row
        logPipeline?.record(record);
        tracer?.export(record);
      } catch {
        // observability never fails a request, nor the records after a bad one
      }
    }
  };
  metrics.beforeCollect(flush);

  return {
    metrics,
    log: logging.enabled ? logPipeline : undefined,
    bodies: logging.bodies,
    record(record) {
      if (pending.length >= MAX_PENDING_RECORDS) {
        dropped++;
        return;
      }
      pending.push(record);
      if (timer === undefined) {
        timer = setTimeout(flush, FLUSH_MS);
        timer.unref();
      }
    },
    flush,
    async addSecrets(values) {
      await logPipeline?.addSecrets(values);
    },
    async close() {
      flush();
      await Promise.all([logPipeline?.close(), tracer?.close()]);
    },
  };
}
