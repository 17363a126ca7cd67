/**
 * POST /v1/chat/completions: parse only to route, plan, run the attempt loop against OpenAI-compatible
 * upstreams, and answer once: a JSON body, a relayed SSE stream, or an error in OpenAI's envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { didYouMeanSuffix } from '../../compiler/did-you-mean.js';
import { runAttempts, type AttemptRecord, type LoopResult } from '../engine/attempt-loop.js';
import { planAttempts } from '../engine/plan.js';
import type { GatewayState } from '../gateway-state.js';
import type { ServeCandidate, ServeKey, ServeProvider } from '../routing-table.js';
import { callUpstream, discardOutcome, type UpstreamBody } from '../upstream/http-transport.js';
import { bodyForModel, openAIHeaders } from '../upstream/openai-request.js';
import type { GatewayIdentity } from './gateway-auth.js';
import { openAIStreamErrorEvent, type GatewayError } from './openai-errors.js';
import { readBody } from './read-body.js';
import { sendJson, sendOpenAIError } from './respond.js';
import { relaySse, write } from './sse-relay.js';

export interface RequestContext {
  requestId: string;
  identity: GatewayIdentity;
  /** Headers every answer carries (request id, gateway rate limit). */
  baseHeaders: Record<string, string>;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

function parseRequest(raw: Buffer): { ok: true; body: Record<string, unknown> } | { ok: false; error: GatewayError } {
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, error: { status: 400, code: 'invalid_json', message: 'request body is not valid JSON' } };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, error: { status: 400, code: 'invalid_request', message: 'request body must be a JSON object' } };
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model === '') return { ok: false, error: { status: 400, code: 'missing_model', message: "'model' is required: a model id such as 'openai/gpt-5.4-mini' or an alias" } };
  if (!Array.isArray(record.messages) || record.messages.length === 0) return { ok: false, error: { status: 400, code: 'missing_messages', message: "'messages' is required: a non-empty array of chat messages" } };
  if (record.stream !== undefined && typeof record.stream !== 'boolean') return { ok: false, error: { status: 400, code: 'invalid_stream', message: "'stream' must be a boolean" } };
  return { ok: true, body: record };
}

export async function handleChatCompletions(state: GatewayState, ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { table, health, clock } = state;
  const bundle = table.bundle;
  const fail = (error: GatewayError) => sendOpenAIError(res, error, ctx.requestId, ctx.baseHeaders);

  const read = await readBody(req, bundle.server.bodyLimitBytes);
  if (!read.ok) {
    if (read.tooLarge) return fail({ status: 413, code: 'body_too_large', message: `request body is over the limit of ${bundle.server.bodyLimitBytes} bytes` });
    return fail({ status: 400, code: 'body_read_failed', message: 'could not read the request body' });
  }
  const parsed = parseRequest(read.body);
  if (!parsed.ok) return fail(parsed.error);
  const body = parsed.body;
  const requested = body.model as string;
  const model = table.models.get(requested.toLowerCase());
  if (!model) return fail({ status: 404, code: 'model_not_found', message: `model '${requested}' is not in this gateway's catalog${didYouMeanSuffix(requested, table.names)}` });
  if (!ctx.identity.allows(model.spec.id) && !ctx.identity.allows(requested)) {
    return fail({ status: 403, code: 'model_not_allowed', message: `gateway key '${ctx.identity.name}' may not use model '${model.spec.id}'` });
  }

  const pinned = headerValue(req.headers['x-anyrouter-provider']);
  if (pinned !== undefined && !model.candidates.some((c) => c.provider.id.toLowerCase() === pinned.toLowerCase())) {
    return fail({ status: 400, code: 'provider_not_available', message: `provider '${pinned}' does not serve '${model.spec.id}'${didYouMeanSuffix(pinned, model.candidates.map((c) => c.provider.id))}` });
  }

  const stream = body.stream === true;
  const now = clock.now();
  const plan = planAttempts({ candidates: model.candidates, health, now, ...(pinned !== undefined ? { pinnedProvider: pinned } : {}) });

  const abort = new AbortController();
  const onClose = () => {
    if (!res.writableFinished) abort.abort();
  };
  res.on('close', onClose);

  // while a stream waits for its first byte, keep the client's connection alive with SSE comments
  let keepAlive: NodeJS.Timeout | undefined;
  if (stream) {
    keepAlive = setInterval(() => {
      if (!res.headersSent) res.writeHead(200, { ...ctx.baseHeaders, ...SSE_HEADERS });
      res.write(': keep-alive\n\n');
    }, bundle.routing.keepAliveMs);
  }

  const bodyFor = bodyForModel(read.body, body, new Map());
  let result: LoopResult<UpstreamBody>;
  try {
    result = await runAttempts<UpstreamBody>({
      plan,
      health,
      clock,
      signal: abort.signal,
      discard: discardOutcome,
      settings: {
        ...table.policy,
        maxAttempts: bundle.routing.maxAttempts,
        cooldownMs: bundle.routing.cooldownMs,
        keyQuarantineMs: bundle.routing.keyQuarantineMs,
        deadline: now + bundle.routing.requestTimeoutMs,
      },
      transport: ({ candidate, key, deadline }) => {
        const provider = candidate.provider as ServeProvider;
        const timeouts = provider.spec.timeouts;
        return callUpstream(state.pools, {
          origin: provider.origin,
          path: `${provider.basePath}/chat/completions`,
          headers: openAIHeaders(provider, key as ServeKey, stream),
          body: bodyFor(candidate.model),
          stream,
          connections: provider.spec.connections,
          connectTimeoutMs: timeouts.connectMs,
          firstByteMs: timeouts.firstByteMs,
          idleMs: timeouts.idleMs,
          deadline: Math.min(deadline, clock.now() + timeouts.totalMs),
          signal: abort.signal,
        });
      },
    });
  } finally {
    if (keepAlive) clearInterval(keepAlive);
  }

  const headers: Record<string, string> = { ...ctx.baseHeaders, 'x-anyrouter-attempts': String(result.attempts.length) };
  switch (result.kind) {
    case 'aborted':
      res.off('close', onClose);
      if (!res.writableEnded) res.destroy();
      return;
    case 'served':
    case 'returned': {
      const outcome = result.outcome;
      const served = result.attempts[result.attempts.length - 1]!;
      headers['x-anyrouter-upstream'] = served.provider;
      const upstreamRemaining = outcome.headers['x-ratelimit-remaining-requests'];
      if (upstreamRemaining !== undefined) headers['x-upstream-ratelimit-remaining'] = upstreamRemaining;
      if (outcome.body.kind === 'buffer') {
        res.off('close', onClose);
        if (res.headersSent) {
          // keep-alives already committed a 200 stream: deliver the upstream's error in-band
          await write(res, openAIStreamErrorEvent(errorMessageOf(outcome.body.data, outcome.status), ctx.requestId, model.spec.id));
          res.end();
          return;
        }
        const contentType = outcome.headers['content-type'] ?? 'application/json';
        sendJson(res, outcome.status, outcome.body.data, { ...headers, 'content-type': contentType });
        return;
      }
      const upstream = outcome.body;
      if (!res.headersSent) res.writeHead(outcome.status, { ...headers, ...SSE_HEADERS });
      const relayed = await relaySse(res, upstream.first, upstream.rest, 'data: [DONE]');
      res.off('close', onClose);
      if (!relayed.complete) {
        upstream.cancel();
        if (!res.destroyed) {
          await write(res, openAIStreamErrorEvent(relayed.error ?? 'upstream stream failed', ctx.requestId, model.spec.id));
        }
      } else upstream.done();
      res.end();
      return;
    }
    case 'exhausted': {
      res.off('close', onClose);
      if (result.last) discardOutcome(result.last);
      const error = exhaustedError(result, model.spec.id, clock.now());
      if (plan.refusal?.kind === 'no-key') error.message = `no upstream of '${model.spec.id}' has a key: set ${missingKeyNames(model.candidates)} in the gateway's environment`;
      if (res.headersSent) {
        await write(res, openAIStreamErrorEvent(error.message, ctx.requestId, model.spec.id));
        res.end();
        return;
      }
      return sendOpenAIError(res, error, ctx.requestId, headers);
    }
  }
}

function exhaustedError(result: Extract<LoopResult<UpstreamBody>, { kind: 'exhausted' }>, modelId: string, now: number): GatewayError {
  const retryAfter = result.retryAt !== undefined ? { 'retry-after': String(Math.max(1, Math.ceil((result.retryAt - now) / 1000))) } : undefined;
  if (result.why === 'refused') {
    const message = result.message ?? `no upstream can serve '${modelId}'`;
    return { status: 503, code: 'no_upstream_available', message, ...(retryAfter ? { headers: retryAfter } : {}) };
  }
  const summary = summarizeAttempts(result.attempts);
  const allRateLimited = result.attempts.length > 0 && result.attempts.every((a) => a.outcome === 'key-rate-limited');
  if (allRateLimited) return { status: 429, code: 'upstream_rate_limited', message: `every upstream of '${modelId}' is rate-limited (${summary})`, ...(retryAfter ? { headers: retryAfter } : {}) };
  const reason = result.why === 'max-attempts' ? 'the attempt limit was reached' : result.why === 'deadline' ? 'the request deadline passed' : 'every upstream failed';
  const timedOut = result.why === 'deadline' || result.attempts.every((a) => a.errorClass === 'timeout');
  return { status: timedOut ? 504 : 502, code: 'upstream_failed', message: `'${modelId}' could not be served: ${reason} (${summary})` };
}

function missingKeyNames(candidates: readonly ServeCandidate[]): string {
  const names = new Set<string>();
  for (const c of candidates) for (const key of c.provider.pool.keys) names.add(key.env);
  return [...names].join(' or ') || 'a provider key';
}

function summarizeAttempts(attempts: AttemptRecord[]): string {
  if (attempts.length === 0) return 'no attempt was made';
  return attempts.map((a) => `${a.provider}: ${a.errorClass ?? a.status}`).join(', ');
}

function errorMessageOf(body: Buffer, status: number): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON: fall through
  }
  return `upstream answered ${status}`;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}
