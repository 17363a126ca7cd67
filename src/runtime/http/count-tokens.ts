/**
 * `POST /v1/messages/count_tokens`: `{input_tokens}` for a Messages request. An Anthropic upstream of the
 * model counts them when there is one that is not cooling down and has a usable key (the client's request,
 * `model` replaced); otherwise, or when that upstream fails, the answer is an estimate (token-estimate.ts).
 * `x-anyrouter-token-count: upstream | estimate` says which. A model none of whose upstreams has a key answers 503
 * `no_upstream_available`, as a request for it would: `anyrouter claude|codex --url` asks this before starting an agent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { keyId } from '../engine/health.js';
import { classifyStatus } from '../engine/outcome.js';
import type { GatewayState } from '../gateway-state.js';
import { mayUseModel } from '../model-catalog.js';
import { resolveTarget, type RequestTarget } from '../policy/request-target.js';
import type { ServeCandidate, ServeKey } from '../routing-table.js';
import { ANTHROPIC_COUNT_TOKENS_PATH, ANTHROPIC_RELAYED_HEADERS, anthropicAdapter } from '../upstream/anthropic-request.js';
import { Cancellation } from '../upstream/cancellation.js';
import { callUpstream } from '../upstream/http-transport.js';
import { anthropicMessagesClient } from './anthropic-messages-client.js';
import { GATEWAY_FIELDS, parseClientBody } from './client-body.js';
import type { GatewayIdentity } from './gateway-auth.js';
import { readBody } from './read-body.js';
import type { RequestContext } from './request-context.js';
import { sendGatewayError, sendJson } from './respond.js';
import { headersFrom } from '../header-records.js';
import { estimateInputTokens } from './token-estimate.js';
import { noKeyMessage } from './exhausted-error.js';
import { keyUsableFor } from '../policy/plan-route.js';

export async function handleCountTokens(state: GatewayState, ctx: RequestContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const { table } = state;
  const fail = (error: Parameters<typeof sendGatewayError>[2]) => sendGatewayError(res, 'anthropic', error, ctx.requestId, ctx.baseHeaders);
  const read = await readBody(req, table.bundle.server.bodyLimitBytes);
  if (!read.ok) return fail(read.tooLarge ? { status: 413, code: 'body_too_large', message: `request body is over the limit of ${table.bundle.server.bodyLimitBytes} bytes` } : { status: 400, code: 'body_read_failed', message: 'could not read the request body' });
  const parsed = parseClientBody(read.body, anthropicMessagesClient);
  if (!parsed.ok) return fail(parsed.error);
  const target = resolveTarget(table, parsed.body, ctx.identity);
  if ('status' in target) return fail(target);
  const forbidden = target.models.find((m) => !mayUseModel(ctx.identity, m.spec));
  if (forbidden) return fail({ status: 403, code: 'model_not_allowed', message: `gateway key '${ctx.identity.name}' may not use model '${forbidden.spec.id}'` });

  // a model no request could be served with now: say so, as a request for it would (an estimate would hide it)
  if (!target.models.some((m) => m.candidates.some((c) => c.provider.pool.keys.some((key) => key.present && keyUsableFor(ctx.identity.byokOnly === true)(key, c.provider))))) {
    return fail({ status: 503, code: 'no_upstream_available', message: noKeyMessage(target.models[0]!.spec.id, target.models.flatMap((m) => m.candidates)) });
  }
  const body = countedRequest(parsed.body, target);
  const pick = anthropicUpstream(state, target, ctx.identity);
  if (pick) {
    const { candidate, key } = pick;
    const provider = candidate.provider;
    const timeouts = provider.spec.timeouts;
    const relayed: Record<string, string> = {};
    for (const name of ANTHROPIC_RELAYED_HEADERS) {
      const value = req.headers[name];
      if (typeof value === 'string' && value.trim() !== '') relayed[name] = value.trim();
    }
    const cancellation = new Cancellation();
    const onClose = () => cancellation.cancel();
    res.once('close', onClose);
    const outcome = await callUpstream(state.pools, {
      origin: provider.origin,
      path: provider.basePath + ANTHROPIC_COUNT_TOKENS_PATH,
      headers: anthropicAdapter.headers({ provider, key, stream: false, relayed }),
      body: JSON.stringify({ ...body, model: candidate.model }),
      stream: false,
      connections: provider.spec.connections,
      connectTimeoutMs: timeouts.connectMs,
      firstByteMs: timeouts.firstByteMs,
      idleMs: timeouts.idleMs,
      deadline: Date.now() + Math.min(timeouts.totalMs, table.bundle.routing.requestTimeoutMs),
      signal: cancellation,
    });
    res.off('close', onClose);
    if (outcome.kind === 'response' && outcome.body.kind === 'buffer') {
      const status = outcome.status;
      const headers = headersFrom(ctx.baseHeaders, { 'x-anyrouter-upstream': provider.id, 'x-anyrouter-token-count': 'upstream' });
      if (status >= 200 && status < 300) return sendJson(res, status, outcome.body.data, headers);
      // the request itself is wrong: say so rather than estimate; any other failure falls back to the estimate
      if (classifyStatus(status, table.policy) === 'request-error') return sendJson(res, status, table.keyEchoes.redactBody(outcome.body.data), headers);
    }
  }
  sendJson(res, 200, JSON.stringify({ input_tokens: estimateInputTokens(body) }), headersFrom(ctx.baseHeaders, { 'x-anyrouter-token-count': 'estimate' }), true);
}

/** The request as counted: the gateway's own fields removed, a preset's system prompt first. */
function countedRequest(body: Record<string, unknown>, target: RequestTarget): Record<string, unknown> {
  const counted: Record<string, unknown> = { ...body };
  for (const field of GATEWAY_FIELDS) delete counted[field];
  delete counted.stream;
  return target.system !== undefined ? anthropicMessagesClient.withSystem(counted, target.system) : counted;
}

/** The first Anthropic upstream of the request's models that is not cooling down, with a key this request may use. */
function anthropicUpstream(state: GatewayState, target: RequestTarget, identity: GatewayIdentity): { candidate: ServeCandidate; key: ServeKey } | undefined {
  const now = state.clock.now();
  for (const model of target.models) {
    for (const candidate of model.candidates) {
      const provider = candidate.provider;
      if (provider.spec.type !== 'anthropic' || state.health.upstreamCoolingUntil(candidate.upstream, now) !== undefined) continue;
      const index = provider.pool.pick((i) => {
        const key = provider.pool.keys[i]!;
        return key.present && keyUsableFor(identity.byokOnly === true)(key, provider) && state.health.keyQuarantinedUntil(keyId(provider.id, key.name), now) === undefined;
      });
      if (index >= 0) return { candidate, key: provider.pool.keys[index]! };
    }
  }
  return undefined;
}
