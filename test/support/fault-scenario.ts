/**
 * Issue 19's sustained-fault scenario, shared by test/e2e/sustained-faults.e2e.test.ts and
 * `npm run bench -- --only faults`: one model over three OpenAI-compatible upstreams (p1 and p2 with two
 * keys each, p3 with one; `timeoutMs: 2000` each), every upstream failing a share of attempts with the
 * fault mix (test/support/fault-mix.ts); the client is the official SDK without retries.
 *
 * Every client request is classified from what the client saw and what the upstreams recorded:
 *   success    a 200 JSON answer with content, or a stream that ended with a finish_reason chunk
 *   cut        the stream's content had started, then it ended with the gateway's in-band error event,
 *              and the upstream that served it (x-anyrouter-upstream) recorded a `cut` for this request:
 *              no gateway can fail over after the first byte, so these are left out of the success rate
 *   failed     an error status, or an in-band error the upstreams do not explain
 *   truncated  a stream that just stopped: no finish_reason chunk and no error event (never allowed)
 *   broken     the connection failed under the client, or a 200 JSON body it could not read (never allowed)
 */
import OpenAI, { APIConnectionError, APIError } from 'openai';
import type { ModelInput, ProviderInput, RoutingInput } from '../../src/index.js';
import { scenarioPrompt, type FaultLog } from './fault-mix.js';
import { percentile } from '../../bench/report.js';

/** The model every scenario request asks for. */
export const SCENARIO_MODEL = 'faults/chat';

/** Providers in rank order, with their key names. */
export const SCENARIO_PROVIDERS: Readonly<Record<string, readonly string[]>> = { p1: ['k1', 'k2'], p2: ['k1', 'k2'], p3: ['k1'] };

/** Each provider's `timeoutMs` (the whole attempt); the fault mix's hang outlasts it. */
export const PROVIDER_TIMEOUT_MS = 2_000;

/** `routing.requestTimeoutMs`: no client request may take longer (plus the client's measuring slack). */
export const REQUEST_DEADLINE_MS = 15_000;

/** The routing the scenario runs with: the defaults an operator has (stated, so a change of default does not move the figure), and the deadline. */
export const SCENARIO_ROUTING: RoutingInput = { cooldownMs: 30_000, maxAttempts: 6, requestTimeoutMs: REQUEST_DEADLINE_MS };

/** The environment variable holding key `key` of provider `provider`. */
export function scenarioKeyEnv(provider: string, key: string): string {
  return `FAULTS_${provider}_${key}`.toUpperCase();
}

/** Values for every key (the bench's gateway reads them; the e2e harness fills in its own). */
export function scenarioEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [provider, keys] of Object.entries(SCENARIO_PROVIDERS)) for (const key of keys) env[scenarioKeyEnv(provider, key)] = `faults-${provider}-${key}`;
  return env;
}

/** The scenario's providers, model and routing, for upstreams at `urls` (provider id -> base URL with `/v1`). */
export function scenarioConfig(urls: Readonly<Record<string, string>>): { providers: Record<string, ProviderInput>; models: ModelInput[]; routing: RoutingInput } {
  const providers: Record<string, ProviderInput> = {};
  for (const [id, keys] of Object.entries(SCENARIO_PROVIDERS)) {
    const baseUrl = urls[id];
    if (baseUrl === undefined) throw new Error(`fault scenario: no upstream URL for ${id}`);
    providers[id] = { type: 'openai', baseUrl, keys: keys.map((name) => ({ name, value: { env: scenarioKeyEnv(id, name) } })), keyStrategy: 'fallback', timeoutMs: PROVIDER_TIMEOUT_MS };
  }
  const model: ModelInput = {
    id: SCENARIO_MODEL,
    aliases: ['faults-chat'],
    context: 128_000,
    capabilities: ['tools'],
    pricing: { prompt: 1, completion: 2 },
    upstreams: Object.keys(SCENARIO_PROVIDERS).map((provider, i) => ({ provider, model: `${provider}-model`, priority: i + 1 })),
  };
  return { providers, models: [model], routing: SCENARIO_ROUTING };
}

/** Request `index` of a run: every other one streams. */
export function scenarioRequest(index: number, runId = 'r'): { tag: string; stream: boolean } {
  return { tag: `${runId}-${index}`, stream: index % 2 === 1 };
}

// ---------------------------------------------------------------------------------------------
// One request, as the client saw it

export type ClientEnding = 'answered' | 'in-band-error' | 'error-status' | 'truncated' | 'broken';

export interface ClientOutcome {
  tag: string;
  stream: boolean;
  ending: ClientEnding;
  /** HTTP status of the answer (absent when the connection failed before one). */
  status?: number;
  /** A streamed content delta (or JSON content) reached the client. */
  contentStarted: boolean;
  /** x-anyrouter-upstream, x-anyrouter-attempts, x-anyrouter-request-id. */
  upstream?: string;
  attempts?: number;
  requestId?: string;
  /** The error the client saw, if any. */
  message?: string;
  /** Client-measured, from the call to the end of the body. */
  latencyMs: number;
}

/** Sends tagged request `tag` through `client` and reads its answer to the end. Never throws. */
export async function sendScenarioRequest(client: OpenAI, request: { tag: string; stream: boolean }, model = SCENARIO_MODEL): Promise<ClientOutcome> {
  const started = performance.now();
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: scenarioPrompt(request.tag) }];
  const outcome: ClientOutcome = { tag: request.tag, stream: request.stream, ending: 'broken', contentStarted: false, latencyMs: 0 };
  const read = (headers: Headers | undefined, status: number | undefined) => {
    if (status !== undefined) outcome.status = status;
    const upstream = headers?.get('x-anyrouter-upstream');
    const attempts = headers?.get('x-anyrouter-attempts');
    const requestId = headers?.get('x-anyrouter-request-id');
    if (upstream) outcome.upstream = upstream;
    if (attempts) outcome.attempts = Number(attempts);
    if (requestId) outcome.requestId = requestId;
  };
  try {
    if (request.stream) {
      const { data: stream, response } = await client.chat.completions.create({ model, messages, stream: true }).withResponse();
      read(response.headers, response.status);
      outcome.ending = await readStream(stream, outcome);
    } else {
      const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
      read(response.headers, response.status);
      const choice = data.choices[0];
      outcome.contentStarted = Boolean(choice?.message.content);
      outcome.ending = outcome.contentStarted && choice?.finish_reason ? 'answered' : 'broken';
      if (outcome.ending === 'broken') outcome.message = `200 without content: ${JSON.stringify(data).slice(0, 200)}`;
    }
  } catch (error) {
    if (error instanceof APIError && !(error instanceof APIConnectionError) && error.status !== undefined) {
      read(error.headers, error.status);
      outcome.ending = 'error-status';
    }
    outcome.message = error instanceof Error ? error.message : String(error);
  }
  outcome.latencyMs = performance.now() - started;
  return outcome;
}

/** Reads a stream to its end: a finish_reason chunk, the in-band error event, or neither. */
async function readStream(stream: AsyncIterable<OpenAI.ChatCompletionChunk>, outcome: ClientOutcome): Promise<ClientEnding> {
  let finished = false;
  try {
    for await (const chunk of stream) {
      const choice = chunk.choices[0];
      if (choice?.delta.content) outcome.contentStarted = true;
      if (choice?.finish_reason) finished = true;
    }
  } catch (error) {
    outcome.message = error instanceof Error ? error.message : String(error);
    // the SDK throws an APIError without a status for a `data: {"error": ...}` event; anything else broke the body
    return error instanceof APIError && !(error instanceof APIConnectionError) ? 'in-band-error' : 'broken';
  }
  return finished ? 'answered' : 'truncated';
}

// ---------------------------------------------------------------------------------------------
// Verdicts and figures

export type Verdict = 'success' | 'cut' | 'failed' | 'truncated' | 'broken';

/** What a client request counts as, given what each upstream (by provider id) recorded. */
export function verdictOf(outcome: ClientOutcome, logs: Readonly<Record<string, FaultLog>>): Verdict {
  switch (outcome.ending) {
    case 'answered':
      return 'success';
    case 'in-band-error': {
      const servedBy = outcome.upstream === undefined ? undefined : logs[outcome.upstream];
      return outcome.contentStarted && servedBy?.lastAt(outcome.tag) === 'cut' ? 'cut' : 'failed';
    }
    case 'error-status':
      return 'failed';
    case 'truncated':
      return 'truncated';
    case 'broken':
      return 'broken';
  }
}

export interface ScenarioFigures {
  requests: number;
  counts: Record<Verdict, number>;
  /** Successes over the requests not cut mid-stream. */
  successRate: number;
  /** Mean x-anyrouter-attempts over the requests that carried it. */
  attemptsPerRequest: number;
  /** Upstream attempts the mocks recorded, per request. */
  upstreamAttemptsPerRequest: number;
  /** Client latency of the successes, ms, ascending. */
  successLatencyMs: Float64Array;
  maxLatencyMs: number;
  /** The most frequent messages of failed/truncated/broken requests, with their counts. */
  failureMessages: Array<[string, number]>;
}

export function scenarioFigures(outcomes: readonly ClientOutcome[], logs: Readonly<Record<string, FaultLog>>): ScenarioFigures {
  const counts: Record<Verdict, number> = { success: 0, cut: 0, failed: 0, truncated: 0, broken: 0 };
  const messages = new Map<string, number>();
  const latencies: number[] = [];
  let attempts = 0;
  let withAttempts = 0;
  let maxLatencyMs = 0;
  for (const outcome of outcomes) {
    const verdict = verdictOf(outcome, logs);
    counts[verdict]++;
    maxLatencyMs = Math.max(maxLatencyMs, outcome.latencyMs);
    if (verdict === 'success') latencies.push(outcome.latencyMs);
    if (outcome.attempts !== undefined) {
      attempts += outcome.attempts;
      withAttempts++;
    }
    if (verdict !== 'success' && verdict !== 'cut') {
      // request ids and upstream request ids make every message unique: fold them
      const message = `${verdict}${outcome.status === undefined ? '' : ` ${outcome.status}`}: ${(outcome.message ?? '').replace(/\b(req|ar|chatcmpl)[-_][\w-]+/g, '<id>').slice(0, 140)}`;
      messages.set(message, (messages.get(message) ?? 0) + 1);
    }
  }
  const upstreamAttempts = Object.values(logs).reduce((n, log) => n + log.attempts, 0);
  return {
    requests: outcomes.length,
    counts,
    successRate: counts.success / Math.max(1, outcomes.length - counts.cut),
    attemptsPerRequest: attempts / Math.max(1, withAttempts),
    upstreamAttemptsPerRequest: upstreamAttempts / Math.max(1, outcomes.length),
    successLatencyMs: Float64Array.from(latencies).sort(),
    maxLatencyMs,
    failureMessages: [...messages].sort((a, b) => b[1] - a[1]),
  };
}

/** The figures in a few lines, for a test's output or the bench. */
export function formatFigures(f: ScenarioFigures, title: string): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const c = f.counts;
  return [
    `${title}: ${f.requests} requests`,
    `  success ${pct(f.successRate)} of the ${f.requests - c.cut} not cut mid-stream (${c.success} succeeded, ${c.failed} failed, ${c.cut} cut mid-stream, ${c.truncated} truncated, ${c.broken} broken)`,
    `  attempts/request ${f.attemptsPerRequest.toFixed(2)} (x-anyrouter-attempts), ${f.upstreamAttemptsPerRequest.toFixed(2)} recorded by the upstreams`,
    `  latency of successes p50 ${percentile(f.successLatencyMs, 0.5).toFixed(1)} ms, p99 ${percentile(f.successLatencyMs, 0.99).toFixed(1)} ms; slowest request ${f.maxLatencyMs.toFixed(0)} ms`,
    ...f.failureMessages.slice(0, 5).map(([message, n]) => `  x${n} ${message}`),
  ].join('\n');
}

/** The upstreams' draws per fault kind, e.g. `p1: ok 700, http_500 52, ...`. */
export function formatDraws(logs: Readonly<Record<string, FaultLog>>): string {
  return Object.entries(logs)
    .map(([id, log]) => `  ${id}: ${Object.entries(log.counts).map(([draw, n]) => `${draw} ${n}`).join(', ')}`)
    .join('\n');
}

// ---------------------------------------------------------------------------------------------
// Load

/** Runs `task(0..)` `concurrency` at a time until `requests` have run or `seconds` have passed. */
export async function runClosedLoop<T>(options: { concurrency: number; requests?: number; seconds?: number }, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  const until = options.seconds === undefined ? Infinity : performance.now() + options.seconds * 1000;
  const limit = options.requests ?? Infinity;
  let next = 0;
  const worker = async () => {
    while (next < limit && performance.now() < until) results.push(await task(next++));
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return results;
}
