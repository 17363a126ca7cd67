/**
 * The one request pipeline behind `POST /v1/chat/completions`, `/v1/messages`, `/v1/responses` and `/v1/embeddings`:
 * read the body, parse it only as far as routing needs, plan (presets, model fallbacks, provider
 * preferences, health), run the attempt loop (each attempt in the candidate's own wire format), and
 * answer once in the client's protocol. What differs per protocol is in its `ClientProtocolSpec`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import { recordedEndUser } from '../../protocols/end-user-id.js';
import { runAttempts, type AttemptRecord, type LoopResult } from '../engine/attempt-loop.js';
import type { GatewayState } from '../gateway-state.js';
import { mayUseModel } from '../model-catalog.js';
import { middleOut, wantsMiddleOut, type MiddleOutResult } from '../policy/middle-out.js';
import { planRoute, type RoutePlan } from '../policy/plan-route.js';
import type { RoutedCandidate } from '../policy/rank-candidates.js';
import { resolveTarget } from '../policy/request-target.js';
import { StickyLookup } from '../policy/sticky-routes.js';
import { AnswerCapture } from '../cache/answer-capture.js';
import { cacheDirective, mayCache, responseCacheKey } from '../cache/cache-policy.js';
import type { CachedAnswer } from '../cache/response-cache.js';
import { loopSettings, type ServeCandidate, type ServeKey } from '../routing-table.js';
import { Cancellation } from '../upstream/cancellation.js';
import { callUpstream, discardOutcome, type UpstreamBody } from '../upstream/http-transport.js';
import { checkProviderPreferences, parseClientBody } from './client-body.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { readBody } from './read-body.js';
import { sendGatewayError, sendJson } from './respond.js';
import { headersFrom } from '../header-records.js';
import { sendAnswer, SSE_HEADERS, type Answered } from './send-answer.js';
import { createUpstreamRequests, type UpstreamRequests } from './upstream-requests.js';
import type { GatewayError } from './openai-errors.js';
import type { RequestContext } from './request-context.js';

/**
 * What became of one request, known once it has been answered: the attempts, the model that served,
 * the status the client got and, where the gateway read it, the usage. The seam for request traces.
 */
export interface RequestSummary extends Partial<Answered> {
  requestId: string;
  protocol: ClientProtocolSpec['protocol'];
  /** Who asked (the gateway key's name). */
  identity: string;
  /** The end user the client named (`user`, or Messages' `metadata.user_id`). */
  user?: string;
  stream: boolean;
  /** Every upstream attempt, in order (none when the request was refused before the loop). */
  attempts: AttemptRecord[];
  /** The status the client got (200 for a stream that failed after its first byte). */
  status: number;
  /** Clock ms when the handler began, and when the answer began to go out. */
  startedAt: number;
  answeredAt?: number;
  /** The model as the client named it, and the preset it used. */
  requestedModel?: string;
  preset?: string;
  /** The client's body as received (logged only with `logging.bodies`). */
  requestBody?: Buffer;
}

export async function handleModelRequest(state: GatewayState, ctx: RequestContext, client: ClientProtocolSpec, req: IncomingMessage, res: ServerResponse): Promise<RequestSummary> {
  const { table, health, clock, stats } = state;
  const bundle = table.bundle;
  const summary: RequestSummary = { requestId: ctx.requestId, protocol: client.protocol, identity: ctx.identity.name, stream: false, attempts: [], status: 0, startedAt: clock.now() };

  // 1. the body, parsed only as far as routing needs
  const read = await readBody(req, bundle.server.bodyLimitBytes);
  if (!read.ok) {
    if (read.tooLarge) return refuse(res, client, ctx, summary, { status: 413, code: 'body_too_large', message: `request body is over the limit of ${bundle.server.bodyLimitBytes} bytes` });
    return refuse(res, client, ctx, summary, { status: 400, code: 'body_read_failed', message: 'could not read the request body' });
  }
  const parsed = parseClientBody(read.body, client);
  if (!parsed.ok) return refuse(res, client, ctx, summary, parsed.error);
  // checked (with zod, loaded on first use) only when the request carries a provider object
  const badPreferences = parsed.body.provider === undefined ? undefined : await checkProviderPreferences(parsed.body);
  if (badPreferences) return refuse(res, client, ctx, summary, badPreferences);
  let body = parsed.body;
  let raw = read.body;
  const stream = body.stream === true;
  summary.stream = stream;
  summary.requestBody = read.body;
  if (typeof body.model === 'string') summary.requestedModel = body.model;
  const user = endUserOf(body);
  if (user !== undefined) summary.user = user;
  if (wantsMiddleOut(body)) {
    const trimmed = trimToContext(table, body);
    if (trimmed) {
      body = trimmed.body;
      raw = Buffer.from(JSON.stringify(body));
      ctx.baseHeaders['x-anyrouter-middle-out'] = String(trimmed.removed);
    }
  }

  // 2. the plan: which (upstream, key) pairs to try, in order
  const pinned = headerValue(req.headers['x-anyrouter-provider']);
  const now = clock.now();
  const sticky = table.anySticky ? new StickyLookup(state.sticky, body, now) : undefined;
  const route = planRoute({ table, body: client.routingView(body), rawLength: raw.length, health, stats: stats.liveAt(now), now, pinnedProvider: pinned, byokOnly: ctx.identity.byokOnly === true, random: state.random, sticky, operation: client.protocol === 'openai-embeddings' ? 'embeddings' : 'chat', reader: ctx.identity });
  if ('status' in route) return refuse(res, client, ctx, summary, route);
  const { target } = route;
  const primary = target.models[0]!;
  if (target.preset) summary.preset = target.preset.name;

  const forbidden = target.models.find((m) => !mayUseModel(ctx.identity, m.spec));
  if (forbidden) return refuse(res, client, ctx, summary, { status: 403, code: 'model_not_allowed', message: `gateway key '${ctx.identity.name}' may not use model '${forbidden.spec.id}'` }, forbidden.spec.id);
  if (pinned !== undefined && !route.ranked.some((c) => c.provider.id.toLowerCase() === pinned.toLowerCase())) {
    const providers = [...new Set(route.ranked.map((c) => c.provider.id))];
    return refuse(res, client, ctx, summary, { status: 400, code: 'provider_not_available', message: `provider '${pinned}' does not serve '${primary.spec.id}'${didYouMeanSuffix(pinned, providers)}` }, primary.spec.id);
  }

  // a client that goes away from here on cancels what is in flight: a Redis lookup's wait is noticed too,
  // and the attempt loop then makes no upstream call
  const cancellation = new Cancellation();
  const onClose = () => {
    if (!res.writableFinished) cancellation.cancel();
  };
  res.on('close', onClose);

  // the response cache, where the request, its preset or its model asks for it
  const cacheControl = headerValue(req.headers['cache-control']);
  const directive = client.native?.only === undefined && mayCache(body, cacheControl, target) ? cacheDirective(body, cacheControl, target) : undefined;
  let cacheKey: string | undefined;
  let capture: AnswerCapture | undefined;
  if (directive !== undefined) {
    // a gateway without keys: its entries are its deployment's (the bundle's hash), never another's on the prefix
    cacheKey = responseCacheKey(client.protocol, ctx.identity.cachePartition ?? `deployment:${bundle.hash}`, target, body);
    // a memory lookup answers at once; a Redis one is the one round trip this request asked for, bounded by
    // state.redis.commandTimeoutMs (a stalled Redis is an error and a miss)
    const found = directive.read ? state.responseCache.get(cacheKey, now) : undefined;
    const hit = found instanceof Promise ? await found : found;
    if (hit !== undefined && !cancellation.aborted) {
      res.off('close', onClose);
      return replayCached(res, ctx, summary, hit, clock.now());
    }
    ctx.baseHeaders['x-anyrouter-cache'] = 'miss';
    capture = AnswerCapture.attach(res, state.responseCache.maxEntryBytes);
  }

  // 3. what each candidate is sent: the client's bytes, or a translation into its wire format
  const requests = createUpstreamRequests({ raw, body, target, client, clientHeaders: req.headers, stream, primaryModel: primary.spec.id });
  let plan = route.plan;
  const nativeOnly = client.native?.only;
  if (nativeOnly !== undefined) {
    // an operation without a translation: the model's upstreams that speak the client's protocol, or the gateway's own answer
    if (!route.ranked.some((c) => requests.isNative(c as ServeCandidate))) {
      const answer = nativeOnly.whenNone(body, target);
      if ('status' in answer) return refuse(res, client, ctx, summary, answer, primary.spec.id);
      sendJson(res, 200, answer.json, headersFrom(ctx.baseHeaders, answer.headers), true);
      summary.status = 200;
      summary.model = primary.spec.id;
      summary.answeredAt = clock.now();
      return summary;
    }
    plan = nativePlan(plan, requests);
  } else if (plan.order.some((c) => !requests.isNative(c as ServeCandidate))) {
    const untranslatable = requests.prepareTranslation();
    if (untranslatable) {
      // only the upstreams that speak the client's protocol can take a request that does not translate
      plan = nativePlan(plan, requests);
      if (plan.order.length === 0) return refuse(res, client, ctx, summary, untranslatable, primary.spec.id);
    }
  }

  // 4. the attempt loop
  // while a stream waits for its first byte, keep the client's connection alive with SSE comments
  let keepAlive: NodeJS.Timeout | undefined;
  if (stream) {
    keepAlive = setInterval(() => {
      if (!res.headersSent) res.writeHead(200, headersFrom(ctx.baseHeaders, SSE_HEADERS));
      res.write(': keep-alive\n\n');
    }, bundle.routing.keepAliveMs);
  }
  let result: LoopResult<UpstreamBody>;
  try {
    result = await runAttempts<UpstreamBody>({
      plan,
      health,
      clock,
      signal: cancellation,
      discard: discardOutcome,
      keyUsable: route.keyUsable,
      settings: loopSettings(table, now + bundle.routing.requestTimeoutMs),
      sleep: (ms) => cancellation.sleep(ms),
      transport: async ({ candidate, key, deadline, firstByteBy }) => {
        const served = candidate as ServeCandidate;
        const provider = served.provider;
        const timeouts = provider.spec.timeouts;
        const request = requests.forAttempt(served, key as ServeKey);
        const started = clock.now();
        const outcome = await callUpstream(state.pools, {
          origin: provider.origin,
          path: provider.basePath + request.path,
          headers: request.headers,
          body: request.body,
          stream,
          connections: provider.spec.connections,
          connectTimeoutMs: timeouts.connectMs,
          firstByteMs: Math.max(1, Math.min(timeouts.firstByteMs, firstByteBy - started)),
          idleMs: timeouts.idleMs,
          deadline: Math.min(deadline, started + timeouts.totalMs),
          signal: cancellation,
        });
        if (outcome.kind === 'response' && outcome.status < 300) stats.recordTtfb(candidate.upstream, started, clock.now() - started);
        return outcome;
      },
    });
  } finally {
    if (keepAlive) clearInterval(keepAlive);
  }

  // 5. the answer, once, in the client's protocol
  summary.answeredAt = clock.now();
  const answered = await sendAnswer({ state, ctx, client, res, result, plan, requests, ranked: route.ranked, primaryModel: primary.spec.id });
  res.off('close', onClose);
  if (capture !== undefined && result.kind === 'served' && answered.status === 200 && answered.error === undefined && !capture.overflow && capture.status === 200) {
    const storedAt = clock.now();
    state.responseCache.set(cacheKey!, { status: 200, headers: capture.headers, body: capture.body(), model: answered.model, expiresAt: storedAt + directive!.ttlMs }, storedAt);
  }
  if (sticky !== undefined && result.kind === 'served') rememberServed(state, sticky, result.attempts[result.attempts.length - 1]!.upstream, route.ranked);

  // here every attempt record, the served model, the usage (when read) and the final status are known
  // member by member: Object.assign onto the summary cost ~0.1-0.2 us more
  summary.status = answered.status;
  summary.model = answered.model;
  if (answered.provider !== undefined) summary.provider = answered.provider;
  if (answered.translated !== undefined) summary.translated = answered.translated;
  if (answered.usage !== undefined) summary.usage = answered.usage;
  if (answered.pricing !== undefined) summary.pricing = answered.pricing;
  if (answered.costUsd !== undefined) summary.costUsd = answered.costUsd;
  if (answered.error !== undefined) summary.error = answered.error;
  if (answered.errorCode !== undefined) summary.errorCode = answered.errorCode;
  if (answered.body !== undefined) summary.body = answered.body;
  summary.attempts = result.attempts;
  return summary;
}

/** The plan's candidates whose upstream speaks the client's protocol, in the same order. */
function nativePlan(plan: RoutePlan['plan'], requests: UpstreamRequests): RoutePlan['plan'] {
  const order = plan.order.filter((c) => requests.isNative(c as ServeCandidate));
  if (order.length === plan.order.length) return plan;
  const healthy = plan.order.slice(0, plan.healthy).filter((c) => requests.isNative(c as ServeCandidate)).length;
  return { order, healthy, panic: healthy === 0, failFast: plan.failFast, decisions: plan.decisions, refusal: plan.refusal };
}

/** A cached answer, sent as it was (a stream replayed as its SSE bytes): no upstream call, no cost. */
function replayCached(res: ServerResponse, ctx: RequestContext, summary: RequestSummary, hit: CachedAnswer, now: number): RequestSummary {
  const headers = headersFrom(hit.headers, ctx.baseHeaders);
  headers['x-anyrouter-cache'] = 'hit';
  headers['x-anyrouter-attempts'] = '0';
  res.writeHead(hit.status, headers);
  res.end(hit.body);
  summary.answeredAt = now;
  summary.status = hit.status;
  summary.model = hit.model;
  return summary;
}

/** The conversation's prefix prefers the upstream that served it, where its model is sticky. */
function rememberServed(state: GatewayState, sticky: StickyLookup, upstream: string, ranked: readonly RoutedCandidate[]): void {
  const served = ranked.find((c) => c.upstream === upstream);
  const model = served === undefined ? undefined : state.table.models.get(served.modelId.toLowerCase());
  if (model === undefined || model.stickyMs === 0) return;
  const now = state.clock.now();
  sticky.served(model.spec.id, upstream, now, model.stickyMs, (u) => state.health.upstreamCoolingUntil(u, now) !== undefined);
}

/** The gateway's own error, sent; the summary says so. */
function refuse(res: ServerResponse, client: ClientProtocolSpec, ctx: RequestContext, summary: RequestSummary, error: GatewayError, model?: string): RequestSummary {
  sendGatewayError(res, client.envelope, error, ctx.requestId, ctx.baseHeaders);
  summary.status = error.status;
  summary.error = error.message;
  summary.errorCode = error.code;
  if (model !== undefined) summary.model = model;
  return summary;
}

/** middle-out against the smallest context of the models the request names, so each of them can take it. */
function trimToContext(table: GatewayState['table'], body: Record<string, unknown>): MiddleOutResult | undefined {
  const target = resolveTarget(table, body);
  if ('status' in target) return undefined;
  let context = Infinity;
  for (const m of target.models) context = Math.min(context, m.spec.context);
  return context === Infinity ? undefined : middleOut(body, context);
}

/** OpenAI's `user` (Chat Completions, Responses), else Anthropic's `metadata.user_id`, as recorded (end-user-id.ts). */
function endUserOf(body: Record<string, unknown>): string | undefined {
  const metadata = body.metadata;
  const user = typeof body.user === 'string' ? body.user : metadata !== null && typeof metadata === 'object' ? (metadata as { user_id?: unknown }).user_id : undefined;
  return typeof user === 'string' ? recordedEndUser(user) : undefined;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
