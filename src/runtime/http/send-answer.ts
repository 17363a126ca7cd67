/**
 * Answering a request once the attempt loop is done: the served (or returned) upstream answer, relayed
 * untouched or translated into the client's protocol (native-answer.ts, translated-answer.ts), or the
 * gateway's own error when no attempt served.
 */
import type { ServerResponse } from 'node:http';
import type { CanonicalUsage } from '../../protocols/index.js';
import type { LoopResult } from '../engine/attempt-loop.js';
import type { Plan } from '../engine/plan.js';
import type { GatewayState } from '../gateway-state.js';
import type { KeyEchoRedactor } from './key-echo-redaction.js';
import type { RoutedCandidate } from '../policy/rank-candidates.js';
import { discardOutcome, type UpstreamBody } from '../upstream/http-transport.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { errorKindOfStatus } from './error-envelope.js';
import { exhaustedError, noKeyMessage } from './exhausted-error.js';
import { relayNativeStream, sendNativeJson } from './native-answer.js';
import type { RequestContext } from './request-context.js';
import { sendGatewayError } from './respond.js';
import { headersFrom } from '../header-records.js';
import { write } from './sse-relay.js';
import { usageCostUsd } from '../observability/cost.js';
import { relayTranslatedStream, sendTranslatedError, sendTranslatedJson } from './translated-answer.js';
import { sendTranslatedEmbeddings } from './translated-embeddings.js';
import { upstreamAdapters } from '../upstream/upstream-adapters.js';
import type { UpstreamRequests } from './upstream-requests.js';

export const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' };

/** What the client was given. */
export interface Answered {
  status: number;
  /** Catalog id of the model that served, or of the primary model when none did. */
  model: string;
  /** The provider that served. */
  provider?: string;
  /** The served attempt was translated from the client's protocol (not relayed untouched). */
  translated?: boolean;
  /** Token usage, when the upstream reported it. */
  usage?: CanonicalUsage;
  /** Pricing of the candidate that served, for the cost of `usage`. */
  pricing?: RoutedCandidate['pricing'];
  /** USD of `usage` at `pricing`, when the answer already computed it (to send it). */
  costUsd?: number;
  /** What went wrong, an in-band stream error included. */
  error?: string;
  /** The gateway's own error code when it made the error (`no_upstream_available`, ...), for the request log. */
  errorCode?: string;
  /** The JSON answer as sent (non-streamed answers; logged only with `logging.bodies`). */
  body?: Buffer | string;
}

export interface AnswerInput {
  state: GatewayState;
  ctx: RequestContext;
  client: ClientProtocolSpec;
  res: ServerResponse;
  result: LoopResult<UpstreamBody>;
  plan: Plan;
  requests: UpstreamRequests;
  /** Candidates after preferences (for the names of missing keys). */
  ranked: readonly RoutedCandidate[];
  primaryModel: string;
}

/** Everything an answer writer needs about the served attempt. */
export class ServedAnswer {
  constructor(
    readonly res: ServerResponse,
    readonly client: ClientProtocolSpec,
    readonly requestId: string,
    /** The answer's headers (base, attempts, upstream, model ...). */
    readonly headers: Record<string, string>,
    /** Catalog id of the model that served: the `model` the client sees in translated answers. */
    readonly servedModel: string,
    /** The upstream's own name for it. */
    readonly upstreamModel: string,
    private readonly state: GatewayState,
    /** The upstream (provider/model) that served, for its throughput samples. */
    private readonly upstream: string,
    private readonly pricing: RoutedCandidate['pricing'],
  ) {}

  /** USD for a usage, from the served candidate's pricing. */
  costOf(usage: CanonicalUsage): number {
    return usageCostUsd(this.pricing, usage);
  }

  /** Records a throughput sample: output tokens (or stream events) over `ms`. */
  recordThroughput(count: number, ms: number): void {
    if (count > 0 && ms > 0) this.state.stats.recordThroughput(this.upstream, this.state.clock.now(), count / (ms / 1000));
  }

  now(): number {
    return this.state.clock.now();
  }

  /** Every provider key's echoes, for the upstream's in-band error events. */
  get keyEchoes(): KeyEchoRedactor {
    return this.state.table.keyEchoes;
  }
}

export async function sendAnswer(input: AnswerInput): Promise<Answered> {
  const { result, res, ctx } = input;
  const headers = headersFrom(ctx.baseHeaders);
  headers['x-anyrouter-attempts'] = String(result.attempts.length);
  switch (result.kind) {
    case 'aborted':
      if (!res.writableEnded) res.destroy();
      return { status: 499, model: input.primaryModel, error: 'client closed the request' };
    case 'exhausted':
      return sendExhausted(input, result, headers);
    case 'served':
    case 'returned':
      return sendUpstreamAnswer(input, result, headers);
  }
}

async function sendUpstreamAnswer(input: AnswerInput, result: Extract<LoopResult<UpstreamBody>, { kind: 'served' | 'returned' }>, headers: Record<string, string>): Promise<Answered> {
  const { state, res, client, ctx } = input;
  const served = result.attempts[result.attempts.length - 1]!;
  const candidate = input.plan.order.find((c) => c.upstream === served.upstream) as RoutedCandidate;
  const route = input.requests.routeOf(candidate);
  const servedModel = candidate.modelId;
  headers['x-anyrouter-upstream'] = served.provider;
  headers['x-anyrouter-model'] = servedModel;
  headers['x-anyrouter-upstream-model'] = served.model;
  headers['x-anyrouter-key-tier'] = served.tier;
  if (route.dropped.length > 0) headers['x-anyrouter-dropped-params'] = route.dropped.join(',');
  const outcome = result.outcome;
  // a count, copied only when it is one (an upstream header is not otherwise relayed)
  const upstreamRemaining = outcome.headers['x-ratelimit-remaining-requests'] ?? outcome.headers['anthropic-ratelimit-requests-remaining'];
  if (upstreamRemaining !== undefined && /^\d+$/.test(upstreamRemaining)) headers['x-upstream-ratelimit-remaining'] = upstreamRemaining;

  const answer = new ServedAnswer(res, client, ctx.requestId, headers, servedModel, served.model, state, served.upstream, candidate.pricing);
  const body = outcome.body;
  let delivered: Pick<Answered, 'status' | 'error' | 'usage' | 'body'>;
  if (body.kind === 'buffer') {
    const attemptMs = served.endedAt - served.startedAt;
    // some upstreams echo the key they were sent in their error messages ("Incorrect API key provided: sk-..."),
    // escaped or encoded; a success (served) is relayed as it is
    const data = result.kind === 'returned' ? state.table.keyEchoes.redactBody(body.data) : body.data;
    const embeddings = input.requests.embeddings();
    if (route.native) delivered = await sendNativeJson(answer, result.kind, outcome.status, data, attemptMs);
    else if (result.kind === 'served' && embeddings !== undefined) delivered = sendTranslatedEmbeddings(answer, upstreamAdapters[candidate.provider.spec.type].embeddings?.decode, embeddings, outcome.status, data);
    else if (result.kind === 'served') delivered = sendTranslatedJson(answer, route.protocol, outcome.status, data, attemptMs, input.requests.clientToolNames());
    else delivered = await sendTranslatedError(answer, route.protocol, outcome.status, data);
  } else {
    if (!res.headersSent) res.writeHead(outcome.status, headersFrom(headers, SSE_HEADERS));
    if (route.native) delivered = await relayNativeStream(answer, outcome.status, body);
    else delivered = await relayTranslatedStream(answer, route.protocol, outcome.status, body, input.requests.canonical()?.includeUsage === true, input.requests.clientToolNames());
  }
  // the sender's own result, completed (not copied into a new object)
  const answered = delivered as Answered;
  answered.model = servedModel;
  answered.provider = served.provider;
  answered.translated = !route.native;
  answered.pricing = candidate.pricing;
  return answered;
}

async function sendExhausted(input: AnswerInput, result: Extract<LoopResult<UpstreamBody>, { kind: 'exhausted' }>, headers: Record<string, string>): Promise<Answered> {
  const { res, client, ctx, primaryModel } = input;
  if (result.last) discardOutcome(result.last);
  const error = exhaustedError(result, primaryModel, input.state.clock.now());
  if (input.plan.refusal?.kind === 'no-key') error.message = noKeyMessage(primaryModel, input.ranked);
  if (res.headersSent) {
    // keep-alives already committed a 200 stream: the error goes in-band
    await write(res, client.streamErrorEvent({ message: error.message, kind: errorKindOfStatus(error.status) }, ctx.requestId, primaryModel));
    res.end();
    return { status: 200, model: primaryModel, error: error.message, errorCode: error.code };
  }
  sendGatewayError(res, client.envelope, error, ctx.requestId, headers);
  return { status: error.status, model: primaryModel, error: error.message, errorCode: error.code };
}
