/**
 * What the gateway records about one request and each upstream attempt it made.
 * A record names keys (gateway key name, provider key name and tier), never a key value.
 */
import type { KeyTier } from '../../bundle/format.js';
import type { AttemptRecord } from '../engine/attempt-loop.js';
import type { OutcomeClass } from '../engine/outcome.js';

/** Wire protocol the client spoke. */
export type { ClientProtocol } from '../../protocols/protocol-registry.js';
import type { ClientProtocol } from '../../protocols/protocol-registry.js';

/**
 * Who sent the request, from `X-AnyRouter-Title` (or OpenRouter's `X-Title`), `X-AnyRouter-Source`,
 * `X-AnyRouter-Version` and `HTTP-Referer`.
 */
export interface AppAttribution {
  title?: string;
  source?: string;
  version?: string;
  referer?: string;
}

/**
 * Token counts in OpenAI's convention: `prompt` includes `cached` (and any cache-write tokens),
 * `completion` includes `reasoning`. Adapters for protocols that report them apart (Anthropic's
 * `input_tokens` excludes cache reads) add them up before recording.
 */
export interface TokenUsage {
  prompt: number;
  completion: number;
  cached: number;
  reasoning: number;
}

export interface AttemptTrace {
  /** Upstream id (`provider/model`), as in the health state. */
  upstream: string;
  provider: string;
  upstreamModel: string;
  /** Name of the provider key used; never its value. */
  keyName: string;
  keyTier: KeyTier;
  outcome: OutcomeClass;
  /** HTTP status, absent when no response came (connect error, timeout, reset). */
  status?: number;
  errorClass?: string;
  /** Wall-clock ms when the attempt started. */
  startedAt: number;
  latencyMs: number;
  ttfbMs?: number;
  /** `ejected`: the upstream was ejected and tried after the healthy ones; `panic`: every candidate was ejected. */
  routing?: 'ejected' | 'panic';
  /** Why the gateway moved on to a next attempt (absent on the last one). */
  nextBecause?: string;
}

export interface RequestBodies {
  request?: string;
  response?: string;
}

export interface RequestRecord {
  /** The gateway's request id (the one in error envelopes and response headers). */
  id: string;
  /** Wall-clock ms when the request arrived. */
  time: number;
  /** Name of the gateway key that authenticated the request (`anonymous` when auth is off). */
  gatewayKey?: string;
  app: AppAttribution;
  /** The end user the client named (`user`, or Messages' `metadata.user_id`; Claude Code's blob as `account:…`/`device:…`), for usage per user. */
  user?: string;
  protocol: ClientProtocol;
  /** Model as the client asked for it (id, alias, or `@preset/name`). */
  requestedModel: string;
  preset?: string;
  /** Canonical id of the model that answered (after presets and model fallbacks). */
  servedModel?: string;
  stream: boolean;
  /** Final HTTP status sent to the client. */
  status: number;
  /** Set when the request failed, including an in-band error after a 200 stream had started. */
  errorClass?: string;
  latencyMs: number;
  ttfbMs?: number;
  tokens?: TokenUsage;
  /** USD from the bundle's pricing; absent when no usage was reported. */
  costUsd?: number;
  /** In the order they were made. */
  attempts: AttemptTrace[];
  /** Only present when `logging.bodies` is on; the store redacts and caps them. */
  bodies?: RequestBodies;
}

/** The single name a request is attributed to in filters and usage groups: title, else source, else referer. */
export function appName(app: AppAttribution): string | undefined {
  return nonEmpty(app.title) ?? nonEmpty(app.source) ?? nonEmpty(app.referer);
}

/** The model a request counts under: the one that served it, else the one asked for. */
export function recordModel(record: Pick<RequestRecord, 'servedModel' | 'requestedModel'>): string {
  return record.servedModel ?? record.requestedModel;
}

/** A request failed when its status is an error or an error ended it (such as a stream broken mid-way). */
export function isFailed(record: Pick<RequestRecord, 'status' | 'errorClass'>): boolean {
  return record.status >= 400 || record.errorClass !== undefined;
}

/**
 * Converts the attempt loop's records (engine clock ms) to traces. `toWallClock` maps an engine
 * time to wall-clock ms (identity when the engine runs on the wall clock); `ttfbMs` gives the time
 * to first byte of attempt `index` when the transport measured it.
 */
export function attemptTraces(
  attempts: readonly AttemptRecord[],
  options: { toWallClock?: (engineMs: number) => number; ttfbMs?: (index: number) => number | undefined } = {},
): AttemptTrace[] {
  const toWall = options.toWallClock ?? ((t: number) => t);
  return attempts.map((a, index) => {
    const trace: AttemptTrace = {
      upstream: a.upstream,
      provider: a.provider,
      upstreamModel: a.model,
      keyName: a.key,
      keyTier: a.tier,
      outcome: a.outcome,
      startedAt: toWall(a.startedAt),
      latencyMs: a.endedAt - a.startedAt,
    };
    if (a.status !== undefined) trace.status = a.status;
    if (a.errorClass !== undefined) trace.errorClass = a.errorClass;
    const ttfb = options.ttfbMs?.(index);
    if (ttfb !== undefined) trace.ttfbMs = ttfb;
    if (a.routing !== undefined) trace.routing = a.routing;
    if (a.nextBecause !== undefined) trace.nextBecause = a.nextBecause;
    return trace;
  });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
