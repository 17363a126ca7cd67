/** The log record of one finished request: who, what was asked, what served, every attempt, tokens and cost. */
import type { IncomingHttpHeaders } from 'node:http';
import { usageCostUsd } from '../observability/cost.js';
import { attemptTraces, type AppAttribution, type RequestRecord } from '../observability/request-record.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import type { RequestSummary } from './handle-model-request.js';
import type { GatewayRefusal } from './gateway-auth.js';
import type { RequestContext } from './request-context.js';
import type { StoredResponseOutcome } from './stored-responses.js';

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  const value = Array.isArray(v) ? v[0] : v;
  return value === undefined || value === '' ? undefined : value.slice(0, 200);
}

/** `X-AnyRouter-Title/Source/Version`, and OpenRouter's `X-Title` and `HTTP-Referer`. */
export function appAttribution(headers: IncomingHttpHeaders): AppAttribution {
  const app: AppAttribution = {};
  const title = header(headers, 'x-anyrouter-title') ?? header(headers, 'x-title');
  const source = header(headers, 'x-anyrouter-source');
  const version = header(headers, 'x-anyrouter-version');
  const referer = header(headers, 'http-referer') ?? header(headers, 'referer');
  if (title) app.title = title;
  if (source) app.source = source;
  if (version) app.version = version;
  if (referer) app.referer = referer;
  return app;
}

export function requestRecordOf(summary: RequestSummary, headers: IncomingHttpHeaders, endedAt: number, options: { bodies: boolean }): RequestRecord {
  const record: RequestRecord = {
    id: summary.requestId,
    time: summary.startedAt,
    gatewayKey: summary.identity,
    app: appAttribution(headers),
    protocol: summary.protocol,
    requestedModel: summary.requestedModel ?? summary.model ?? '',
    stream: summary.stream,
    status: summary.status,
    latencyMs: endedAt - summary.startedAt,
    attempts: attemptTraces(summary.attempts),
  };
  if (summary.user !== undefined) record.user = summary.user;
  if (summary.preset) record.preset = summary.preset;
  if (summary.provider && summary.model) record.servedModel = summary.model;
  if (summary.error) record.errorClass = errorClassOf(summary);
  if (summary.answeredAt !== undefined) record.ttfbMs = summary.answeredAt - summary.startedAt;
  if (summary.usage) {
    const u = summary.usage;
    record.tokens = { prompt: u.inputTokens, completion: u.outputTokens, cached: u.cacheReadTokens ?? 0, reasoning: u.reasoningTokens ?? 0 };
    // computed once: the answer that sent the cost hands it over
    if (summary.pricing) record.costUsd = summary.costUsd ?? usageCostUsd(summary.pricing, u);
  }
  if (options.bodies) {
    const request = summary.requestBody?.toString('utf8');
    const response = typeof summary.body === 'string' ? summary.body : summary.body?.toString('utf8');
    record.bodies = { ...(request !== undefined ? { request } : {}), ...(response !== undefined ? { response } : {}) };
  }
  return record;
}

/**
 * The record of a request refused before its body was read (no or a wrong gateway key, a key over its
 * rate): no model, no attempt, the refusal's code as its error class.
 */
export function refusedRecord(requestId: string, client: ClientProtocolSpec, refusal: GatewayRefusal, headers: IncomingHttpHeaders, at: number): RequestRecord {
  return {
    id: requestId,
    time: at,
    ...(refusal.keyName !== undefined ? { gatewayKey: refusal.keyName } : {}),
    app: appAttribution(headers),
    protocol: client.protocol,
    requestedModel: '',
    stream: false,
    status: refusal.status,
    errorClass: refusal.code,
    latencyMs: 0,
    attempts: [],
  };
}

/**
 * The record of a stored-response call (`GET/DELETE /v1/responses/{id}` ...): no model, so none asked or
 * served and no tokens or cost (the metrics count it under model ''); the provider's keys tried are its
 * attempts, named like a model route's (`upstream` is the provider id).
 */
export function storedResponseRecord(ctx: RequestContext, outcome: StoredResponseOutcome, headers: IncomingHttpHeaders, startedAt: number, endedAt: number, options: { bodies: boolean }): RequestRecord {
  const record: RequestRecord = {
    id: ctx.requestId,
    time: startedAt,
    gatewayKey: ctx.identity.name,
    app: appAttribution(headers),
    protocol: 'openai-responses',
    requestedModel: '',
    stream: false,
    status: outcome.status,
    latencyMs: endedAt - startedAt,
    attempts: attemptTraces(outcome.attempts),
  };
  if (outcome.status === 499) record.errorClass = 'client_closed';
  else if (outcome.status >= 400) record.errorClass = outcome.attempts.at(-1)?.errorClass ?? outcome.errorCode ?? `http_${outcome.status}`;
  if (options.bodies && outcome.body !== undefined) record.bodies = { response: outcome.body.toString('utf8') };
  return record;
}

/**
 * A short class for the failure: the last attempt's error class, else the gateway's own error code
 * (`no_upstream_available`, `pool_has_no_keys`, `model_not_found`, ...: what the client's envelope said), so a
 * missing key and an unknown model are told apart in the log as refusals before the body are (refusedRecord).
 */
function errorClassOf(summary: RequestSummary): string {
  if (summary.status === 499) return 'client_closed';
  if (summary.attempts.length === 0 && summary.errorCode !== undefined) return summary.errorCode;
  if (summary.status >= 400 && summary.attempts.length === 0) return `gateway_${summary.status}`;
  const last = summary.attempts[summary.attempts.length - 1];
  if (summary.status < 400) return 'stream_broken';
  return last?.errorClass ?? `http_${summary.status}`;
}
