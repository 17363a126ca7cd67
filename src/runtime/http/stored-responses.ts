/**
 * The Responses API's routes on a stored response: `GET` and `DELETE /v1/responses/{id}`,
 * `GET /v1/responses/{id}/input_items` and `POST /v1/responses/{id}/cancel`. They name no model, so the
 * upstream is the provider the client pins (`X-AnyRouter-Provider`, an `openai` provider with
 * `responses: true`), else the bundle's only such provider. Its keys are tried in pool order: a 401, 402,
 * 403 or 429 quarantines the key and moves to the next (the loop's rule); anything else, a 404 included
 * (the response may have been stored under another key's project), is the answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { rateLimitWait } from '../engine/durations.js';
import { keyId } from '../engine/health.js';
import type { AttemptRecord } from '../engine/attempt-loop.js';
import { classifyStatus } from '../engine/outcome.js';
import type { GatewayState } from '../gateway-state.js';
import { headersFrom } from '../header-records.js';
import type { BundleModel } from '../../bundle/format.js';
import { mayUseModel } from '../model-catalog.js';
import { keyUsableFor } from '../policy/plan-route.js';
import type { RoutingTable, ServeProvider } from '../routing-table.js';
import { Cancellation } from '../upstream/cancellation.js';
import { callUpstream } from '../upstream/http-transport.js';
import { OPENAI_RELAYED_HEADERS, openAIHeaders } from '../upstream/openai-request.js';
import { speaksNatively } from './client-protocol.js';
import type { GatewayError } from './openai-errors.js';
import { openAIResponsesClient } from './openai-responses-client.js';
import type { RequestContext } from './request-context.js';
import { storedResponseRecord } from './request-record-of.js';
import { relayedHeaders } from './upstream-requests.js';
import { sendGatewayError, sendJson } from './respond.js';

export type StoredResponseAction = 'retrieve' | 'delete' | 'input_items' | 'cancel';

const UPSTREAM_METHOD: Record<StoredResponseAction, 'GET' | 'DELETE' | 'POST'> = { retrieve: 'GET', delete: 'DELETE', input_items: 'GET', cancel: 'POST' };
const PATH_SUFFIX: Record<StoredResponseAction, string> = { retrieve: '', delete: '', input_items: '/input_items', cancel: '/cancel' };

/** A response id as OpenAI makes them (`resp_…`): an opaque token, never a path. */
const RESPONSE_ID = /^[A-Za-z0-9_-]{1,200}$/;

/** The providers that serve Responses natively, and the models each serves, per routing table (found once per bundle, not per request). */
interface ResponsesProviders {
  providers: readonly ServeProvider[];
  modelsOf: ReadonlyMap<ServeProvider, readonly BundleModel[]>;
}

const nativeProviders = new WeakMap<RoutingTable, ResponsesProviders>();

function responsesProviders(table: RoutingTable): ResponsesProviders {
  let found = nativeProviders.get(table);
  if (found === undefined) {
    const providers = [...table.providers.values()].filter((p) => speaksNatively(openAIResponsesClient.native, p.spec));
    const modelsOf = new Map<ServeProvider, BundleModel[]>(providers.map((p) => [p, []]));
    for (const model of new Set(table.models.values())) {
      for (const provider of new Set(model.candidates.map((c) => c.provider))) modelsOf.get(provider)?.push(model.spec);
    }
    found = { providers, modelsOf };
    nativeProviders.set(table, found);
  }
  return found;
}

/** The provider a stored-response request goes to, or why there is none. */
export function storedResponsesProvider(table: RoutingTable, pinned: string | undefined): ServeProvider | GatewayError {
  const native = responsesProviders(table).providers;
  if (pinned !== undefined) {
    const provider = table.providers.get(pinned) ?? [...table.providers.values()].find((p) => p.id.toLowerCase() === pinned.toLowerCase());
    if (provider === undefined) return { status: 400, code: 'provider_not_available', message: `X-AnyRouter-Provider: '${pinned}' is not a provider of this gateway` };
    if (!native.includes(provider)) return { status: 400, code: 'provider_not_available', message: `X-AnyRouter-Provider: '${provider.id}' does not serve Responses natively (an 'openai' provider with responses: true keeps stored responses)` };
    return provider;
  }
  if (native.length === 1) return native[0]!;
  if (native.length === 0) return { status: 400, code: 'no_responses_provider', message: "no provider of this gateway serves Responses natively (an 'openai' provider with responses: true), so it keeps no stored responses" };
  return { status: 400, code: 'provider_required', message: `several providers serve Responses natively (${native.map((p) => p.id).join(', ')}): pin the one that stored the response with X-AnyRouter-Provider` };
}

export interface StoredResponseRoute {
  action: StoredResponseAction;
  id: string;
  /** The request's query string, `?` included, or ''. */
  query: string;
}

/** What one stored-response call did, for its log record: the answer's status and a trace per key tried (naming the provider). */
export interface StoredResponseOutcome {
  status: number;
  attempts: AttemptRecord[];
  /** The gateway's own error code when it answered without an upstream (no provider, no usable key ...). */
  errorCode?: string;
  /** The body the client got from the upstream (redacted), kept only when `logging.bodies` is on. */
  body?: Buffer;
}

/** Serves the call, then records it like a model request (one record, every key tried as an attempt). */
export async function serveStoredResponse(state: GatewayState, ctx: RequestContext, route: StoredResponseRoute, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const startedAt = state.clock.now();
  const outcome = await handleStoredResponse(state, ctx, route, req, res);
  const observability = state.observability;
  if (observability) observability.record(storedResponseRecord(ctx, outcome, req.headers, startedAt, state.clock.now(), { bodies: observability.bodies }));
}

export async function handleStoredResponse(state: GatewayState, ctx: RequestContext, route: StoredResponseRoute, req: IncomingMessage, res: ServerResponse): Promise<StoredResponseOutcome> {
  const { table, health, clock } = state;
  const attempts: AttemptRecord[] = [];
  const fail = (error: GatewayError): StoredResponseOutcome => {
    sendGatewayError(res, 'openai', error, ctx.requestId, ctx.baseHeaders);
    return { status: error.status, attempts, errorCode: error.code };
  };
  if (!RESPONSE_ID.test(route.id)) return fail({ status: 400, code: 'invalid_response_id', message: 'a response id is a token of letters, digits, _ and - (such as resp_123)' });
  const provider = storedResponsesProvider(table, pinnedProvider(req));
  if ('status' in provider) return fail(provider);
  // a key limited by `models` globs reaches the stored responses of a provider that serves one of its models
  if (!responsesProviders(table).modelsOf.get(provider)!.some((model) => mayUseModel(ctx.identity, model))) {
    return fail({ status: 403, code: 'provider_not_allowed', message: `gateway key '${ctx.identity.name}' may use no model that provider '${provider.id}' serves` });
  }

  const keyUsable = keyUsableFor(ctx.identity.byokOnly === true);
  const relayed = relayedHeaders(req.headers, OPENAI_RELAYED_HEADERS);
  const method = UPSTREAM_METHOD[route.action];
  const path = `${provider.basePath}/responses/${route.id}${PATH_SUFFIX[route.action]}${route.query}`;
  const timeouts = provider.spec.timeouts;
  const routing = table.bundle.routing;
  const cancellation = new Cancellation();
  const onClose = () => cancellation.cancel();
  const answered = (status: number, body: Buffer): StoredResponseOutcome => ({ status, attempts, ...(state.observability?.bodies === true ? { body } : {}) });
  const relayError = (status: number, data: Buffer): StoredResponseOutcome => {
    const body = table.keyEchoes.redactBody(data);
    sendJson(res, status, body, headersFrom(ctx.baseHeaders, { 'x-anyrouter-upstream': provider.id }), true);
    return answered(status, body);
  };
  res.once('close', onClose);
  try {
    /** The last key's refusal (401, 403, 429 ...), answered when no key is left. */
    let refused: { status: number; data: Buffer } | undefined;
    for (const key of provider.pool.keys) {
      const kid = key.healthId ?? keyId(provider.id, key.name);
      const usable = key.present && keyUsable(key, provider);
      if (!usable || health.keyQuarantinedUntil(kid, clock.now()) !== undefined) continue;
      const startedAt = clock.now();
      const outcome = await callUpstream(state.pools, {
        method,
        origin: provider.origin,
        path,
        headers: openAIHeaders(provider, key, false, relayed),
        body: '',
        stream: false,
        connections: provider.spec.connections,
        connectTimeoutMs: timeouts.connectMs,
        firstByteMs: timeouts.firstByteMs,
        idleMs: timeouts.idleMs,
        deadline: Date.now() + Math.min(timeouts.totalMs, routing.requestTimeoutMs),
        signal: cancellation,
      });
      const attempt: AttemptRecord = { upstream: provider.id, provider: provider.id, model: '', key: key.name, tier: key.tier, outcome: 'success', startedAt, endedAt: clock.now() };
      attempts.push(attempt);
      if (outcome.kind === 'failure') {
        attempt.outcome = outcome.reason === 'aborted' ? 'client-aborted' : 'upstream-failed';
        attempt.errorClass = outcome.reason;
        if (outcome.reason === 'aborted') return { status: 499, attempts };
        return fail({ status: outcome.reason === 'timeout' ? 504 : 502, code: 'upstream_failed', message: `provider '${provider.id}' could not be reached (${outcome.reason})` });
      }
      const data = outcome.body.kind === 'buffer' ? outcome.body.data : Buffer.alloc(0);
      const verdict = classifyStatus(outcome.status, table.policy);
      const now = clock.now();
      attempt.outcome = verdict;
      attempt.status = outcome.status;
      if (verdict !== 'success') attempt.errorClass = `http_${outcome.status}`;
      if (verdict === 'key-rejected' || verdict === 'key-rate-limited') {
        const until = now + (verdict === 'key-rejected' ? routing.keyQuarantineMs : rateLimitWait(outcome.headers, now, routing.cooldownMs));
        health.quarantineKey(kid, until, `http_${outcome.status}`, now, verdict === 'key-rate-limited');
        refused = { status: outcome.status, data };
        attempt.nextBecause = `key '${key.name}' was ${verdict === 'key-rejected' ? 'rejected' : 'rate-limited'} (${attempt.errorClass}); quarantined`;
        continue;
      }
      const type = outcome.headers['content-type'];
      if (outcome.status >= 300) return relayError(outcome.status, data);
      // a stored response as the upstream wrote it (an SSE text when the client asked `?stream=true`)
      res.writeHead(outcome.status, headersFrom(ctx.baseHeaders, { 'x-anyrouter-upstream': provider.id, 'content-type': type ?? 'application/json', 'content-length': String(data.length) }));
      res.end(data);
      return answered(outcome.status, data);
    }
    // no key after the last refusal: the trace says why the loop moved on only where it did
    if (attempts.length > 0) delete attempts[attempts.length - 1]!.nextBecause;
    if (refused !== undefined) return relayError(refused.status, refused.data);
    return fail({ status: 503, code: 'no_key_available', message: `provider '${provider.id}' has no key this request may use right now (missing, or quarantined)` });
  } finally {
    res.off('close', onClose);
  }
}

function pinnedProvider(req: IncomingMessage): string | undefined {
  const value = req.headers['x-anyrouter-provider'];
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  return text === undefined || text === '' ? undefined : text;
}
