/**
 * POST /v1/chat/completions: parse only to route, plan (presets, model fallbacks, provider preferences,
 * health), run the attempt loop against OpenAI-compatible upstreams, and answer once: a JSON body, a
 * relayed SSE stream, or an error in OpenAI's envelope.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import { runAttempts, type LoopResult } from '../engine/attempt-loop.js';
import type { GatewayState } from '../gateway-state.js';
import { planRoute } from '../policy/plan-route.js';
import type { RoutedCandidate } from '../policy/rank-candidates.js';
import type { ServeKey, ServeProvider } from '../routing-table.js';
import { callUpstream, discardOutcome, type UpstreamBody } from '../upstream/http-transport.js';
import { openAIHeaders } from '../upstream/openai-request.js';
import { parseChatRequest, upstreamBodies } from './chat-request.js';
import { exhaustedError, missingKeyNames } from './exhausted-error.js';
import type { GatewayIdentity } from './gateway-auth.js';
import { openAIStreamErrorEvent, type GatewayError } from './openai-errors.js';
import { readBody } from './read-body.js';
import { sendJson, sendOpenAIError } from './respond.js';
import { modelNameRewriter } from './served-model-name.js';
import { relaySse, write } from './sse-relay.js';

export interface RequestContext {
  requestId: string;
  identity: GatewayIdentity;
  /** Headers every answer carries (request id, gateway rate limit). */
  baseHeaders: Record<string, string>;
}

const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

export async function handleChatCompletions(state: GatewayState, ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { table, health, clock, stats } = state;
  const bundle = table.bundle;
  const fail = (error: GatewayError) => sendOpenAIError(res, error, ctx.requestId, ctx.baseHeaders);

  const read = await readBody(req, bundle.server.bodyLimitBytes);
  if (!read.ok) {
    if (read.tooLarge) return fail({ status: 413, code: 'body_too_large', message: `request body is over the limit of ${bundle.server.bodyLimitBytes} bytes` });
    return fail({ status: 400, code: 'body_read_failed', message: 'could not read the request body' });
  }
  const parsed = parseChatRequest(read.body);
  if (!parsed.ok) return fail(parsed.error);
  const body = parsed.body;

  const pinned = headerValue(req.headers['x-anyrouter-provider']);
  const now = clock.now();
  const route = planRoute({
    table,
    body,
    rawLength: read.body.length,
    health,
    stats: { ttfb: (u) => stats.ttfbPercentiles(u, now), throughput: (u) => stats.throughputPercentiles(u, now) },
    now,
    ...(pinned !== undefined ? { pinnedProvider: pinned } : {}),
    ...(ctx.identity.byokOnly ? { byokOnly: true } : {}),
  });
  if ('status' in route) return fail(route);
  const { target, plan } = route;
  const primary = target.models[0]!;

  const forbidden = target.models.find((m) => !ctx.identity.allows(m.spec.id) && !m.spec.aliases.some((a) => ctx.identity.allows(a)));
  if (forbidden) return fail({ status: 403, code: 'model_not_allowed', message: `gateway key '${ctx.identity.name}' may not use model '${forbidden.spec.id}'` });
  if (pinned !== undefined && !route.ranked.some((c) => c.provider.id.toLowerCase() === pinned.toLowerCase())) {
    const providers = [...new Set(route.ranked.map((c) => c.provider.id))];
    return fail({ status: 400, code: 'provider_not_available', message: `provider '${pinned}' does not serve '${primary.spec.id}'${didYouMeanSuffix(pinned, providers)}` });
  }

  const stream = body.stream === true;
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

  const bodyFor = upstreamBodies(read.body, body, target);
  let result: LoopResult<UpstreamBody>;
  try {
    result = await runAttempts<UpstreamBody>({
      plan,
      health,
      clock,
      signal: abort.signal,
      discard: discardOutcome,
      keyUsable: route.keyUsable,
      settings: {
        ...table.policy,
        maxAttempts: bundle.routing.maxAttempts,
        cooldownMs: bundle.routing.cooldownMs,
        keyQuarantineMs: bundle.routing.keyQuarantineMs,
        deadline: now + bundle.routing.requestTimeoutMs,
      },
      transport: async ({ candidate, key, deadline }) => {
        const provider = candidate.provider as ServeProvider;
        const timeouts = provider.spec.timeouts;
        const started = clock.now();
        const outcome = await callUpstream(state.pools, {
          origin: provider.origin,
          path: `${provider.basePath}/chat/completions`,
          headers: openAIHeaders(provider, key as ServeKey, stream),
          body: bodyFor(candidate.model),
          stream,
          connections: provider.spec.connections,
          connectTimeoutMs: timeouts.connectMs,
          firstByteMs: timeouts.firstByteMs,
          idleMs: timeouts.idleMs,
          deadline: Math.min(deadline, started + timeouts.totalMs),
          signal: abort.signal,
        });
        if (outcome.kind === 'response' && outcome.status < 300) stats.recordTtfb(candidate.upstream, started, clock.now() - started);
        return outcome;
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
      const candidate = plan.order.find((c) => c.upstream === served.upstream) as RoutedCandidate | undefined;
      const servedModel = candidate?.modelId ?? primary.spec.id;
      headers['x-anyrouter-upstream'] = served.provider;
      headers['x-anyrouter-model'] = servedModel;
      headers['x-anyrouter-key-tier'] = served.tier;
      // a count, copied only when it is one (an upstream header is not otherwise relayed)
      const upstreamRemaining = outcome.headers['x-ratelimit-remaining-requests'];
      if (upstreamRemaining !== undefined && /^\d+$/.test(upstreamRemaining)) headers['x-upstream-ratelimit-remaining'] = upstreamRemaining;
      const rename = result.kind === 'served' ? modelNameRewriter(served.model, servedModel) : undefined;
      if (outcome.body.kind === 'buffer') {
        res.off('close', onClose);
        // some upstreams echo the key they were sent in their error messages ("Incorrect API key provided: sk-...")
        const data = result.kind === 'returned' ? withoutSecret(outcome.body.data, table.providers.get(served.provider)?.pool.keys.find((k) => k.name === served.key)?.value) : rename ? rename(outcome.body.data) : outcome.body.data;
        if (result.kind === 'served') recordThroughput(state, served.upstream, data, served.endedAt - served.startedAt);
        if (res.headersSent) {
          // keep-alives already committed a 200 stream: deliver the upstream's error in-band
          await write(res, openAIStreamErrorEvent(errorMessageOf(data, outcome.status), ctx.requestId, servedModel));
          res.end();
          return;
        }
        const contentType = outcome.headers['content-type'] ?? 'application/json';
        sendJson(res, outcome.status, data, { ...headers, 'content-type': contentType });
        return;
      }
      const upstream = outcome.body;
      if (!res.headersSent) res.writeHead(outcome.status, { ...headers, ...SSE_HEADERS });
      const streamStarted = clock.now();
      const relayed = await relaySse(res, upstream.first, upstream.rest, 'data: [DONE]', rename);
      res.off('close', onClose);
      if (relayed.complete) {
        upstream.done();
        const seconds = (clock.now() - streamStarted) / 1000;
        if (seconds > 0) stats.recordThroughput(served.upstream, streamStarted, relayed.events / seconds);
      } else {
        upstream.cancel();
        if (!res.destroyed) await write(res, openAIStreamErrorEvent(relayed.error ?? 'upstream stream failed', ctx.requestId, servedModel));
      }
      res.end();
      return;
    }
    case 'exhausted': {
      res.off('close', onClose);
      if (result.last) discardOutcome(result.last);
      const error = exhaustedError(result, primary.spec.id, clock.now());
      if (plan.refusal?.kind === 'no-key') error.message = `no upstream of '${primary.spec.id}' has a key: set ${missingKeyNames(route.ranked)} in the gateway's environment`;
      if (res.headersSent) {
        await write(res, openAIStreamErrorEvent(error.message, ctx.requestId, primary.spec.id));
        res.end();
        return;
      }
      return sendOpenAIError(res, error, ctx.requestId, headers);
    }
  }
}

/** Completion tokens per second of a non-streamed answer, from its usage. */
function recordThroughput(state: GatewayState, upstream: string, data: Buffer, ms: number): void {
  const at = data.lastIndexOf('"completion_tokens"');
  if (at < 0 || ms <= 0) return;
  const m = /^"completion_tokens"\s*:\s*(\d+)/.exec(data.subarray(at, at + 40).toString('latin1'));
  if (m) state.stats.recordThroughput(upstream, state.clock.now(), Number(m[1]) / (ms / 1000));
}

/** The body with every occurrence of `secret` replaced, so an upstream's echo of a provider key never reaches the client. */
function withoutSecret(body: Buffer, secret: string | undefined): Buffer {
  if (!secret || !body.includes(secret)) return body;
  return Buffer.from(body.toString('utf8').replaceAll(secret, '[redacted]'), 'utf8');
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
