/**
 * OpenTelemetry export: a span per request with a child span per upstream attempt, named and attributed
 * after the GenAI semantic conventions. The SDK is imported only when an OTLP endpoint is configured.
 */
import type { RequestRecord } from './request-record.js';

export interface RequestTracer {
  export(record: RequestRecord): void;
  close(): Promise<void>;
}

export interface TracingOptions {
  endpoint: string;
  headers: Record<string, string>;
  serviceName: string;
}

export async function startRequestTracing(options: TracingOptions): Promise<RequestTracer> {
  const [{ BasicTracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { resourceFromAttributes }, api] = await Promise.all([
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/api'),
  ]);
  const exporter = new OTLPTraceExporter({ url: options.endpoint, headers: options.headers });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': options.serviceName }),
    spanProcessors: [new BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('anyrouter');
  return {
    export(record) {
      const model = record.servedModel ?? record.requestedModel;
      const span = tracer.startSpan(`chat ${model}`, {
        kind: api.SpanKind.SERVER,
        startTime: record.time,
        attributes: {
          'gen_ai.operation.name': 'chat',
          'gen_ai.request.model': record.requestedModel,
          ...(record.servedModel ? { 'gen_ai.response.model': record.servedModel } : {}),
          ...(record.tokens ? { 'gen_ai.usage.input_tokens': record.tokens.prompt, 'gen_ai.usage.output_tokens': record.tokens.completion } : {}),
          'http.response.status_code': record.status,
          'anyrouter.request_id': record.id,
          'anyrouter.attempts': record.attempts.length,
          ...(record.costUsd !== undefined ? { 'anyrouter.cost_usd': record.costUsd } : {}),
          ...(record.gatewayKey ? { 'anyrouter.gateway_key': record.gatewayKey } : {}),
        },
      });
      if (record.status >= 400 || record.errorClass) span.setStatus({ code: api.SpanStatusCode.ERROR, message: record.errorClass ?? `HTTP ${record.status}` });
      const context = api.trace.setSpan(api.context.active(), span);
      for (const a of record.attempts) {
        const child = tracer.startSpan(
          `chat ${a.upstreamModel}`,
          {
            kind: api.SpanKind.CLIENT,
            startTime: a.startedAt,
            attributes: {
              'gen_ai.operation.name': 'chat',
              'gen_ai.system': a.provider,
              'gen_ai.request.model': a.upstreamModel,
              'anyrouter.upstream': a.upstream,
              'anyrouter.key_name': a.keyName,
              'anyrouter.key_tier': a.keyTier,
              'anyrouter.outcome': a.outcome,
              ...(a.status !== undefined ? { 'http.response.status_code': a.status } : {}),
              ...(a.errorClass ? { 'error.type': a.errorClass } : {}),
              ...(a.routing ? { 'anyrouter.routing': a.routing } : {}),
              ...(a.nextBecause ? { 'anyrouter.next_because': a.nextBecause } : {}),
            },
          },
          context,
        );
        if (a.outcome !== 'success') child.setStatus({ code: api.SpanStatusCode.ERROR, message: a.errorClass ?? a.outcome });
        child.end(a.startedAt + a.latencyMs);
      }
      span.end(record.time + record.latencyMs);
    },
    async close() {
      await provider.shutdown();
    },
  };
}
