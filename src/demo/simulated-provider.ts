/**
 * One simulated LLM provider on a loopback port, speaking a real wire format through the project's own
 * codecs: `POST /v1/chat/completions` (OpenAI-compatible) or `POST /v1/messages` (+ `/count_tokens`,
 * Anthropic Messages), JSON or SSE. It checks the key like the real API (`Authorization: Bearer` or
 * `x-api-key`), waits `latencyMs` before answering, and answers a share `faultRate` of calls with 429
 * (`Retry-After: 1`), 500 or 503, drawn from a seeded generator so a run is repeatable.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CanonicalStreamEvent } from '../protocols/canonical.js';
import { errorKindForStatus } from '../protocols/error-kind.js';
import { objectAt, parseJson } from '../protocols/json-reader.js';
import { protocolCodecs } from '../protocols/protocol-registry.js';
import { responseToStreamEvents } from '../protocols/response-to-stream-events.js';
import { seededRandom } from '../simulation/seeded-random.js';
import { readBody } from '../runtime/http/read-body.js';
import { estimateInputTokens } from '../runtime/http/token-estimate.js';
import { demoAnswer, type DemoProtocol } from './demo-answer.js';

export interface SimulatedProviderOptions {
  name: string;
  protocol: DemoProtocol;
  /** The only key this provider accepts. */
  apiKey: string;
  /** Wait before the first byte of every answer. */
  latencyMs?: number;
  /** Share of calls (0..1) answered with a 429, 500 or 503 instead. */
  faultRate?: number;
  seed?: number;
}

export interface SimulatedProvider {
  name: string;
  protocol: DemoProtocol;
  /** Base URL for the config, `http://127.0.0.1:PORT/v1`. */
  baseUrl: string;
  close(): Promise<void>;
}

const PATHS: Record<DemoProtocol, string> = { 'openai-chat': '/v1/chat/completions', 'anthropic-messages': '/v1/messages' };
const COUNT_TOKENS_PATH = '/v1/messages/count_tokens';
const FAULT_STATUSES = [429, 500, 503] as const;
const BODY_LIMIT = 10 * 1024 * 1024;

/** A stream's text deltas cut at word boundaries, as a model would stream them. */
function inWords(events: CanonicalStreamEvent[]): CanonicalStreamEvent[] {
  return events.flatMap((e) => (e.type === 'text_delta' ? (e.text.match(/\S+\s*/g) ?? [e.text]).map((text): CanonicalStreamEvent => ({ type: 'text_delta', text })) : [e]));
}

export async function startSimulatedProvider(options: SimulatedProviderOptions): Promise<SimulatedProvider> {
  const { name, protocol, apiKey, latencyMs = 0, faultRate = 0 } = options;
  const codec = protocolCodecs[protocol];
  const random = seededRandom(options.seed ?? 1);

  const sendError = (res: ServerResponse, status: number, message: string, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(codec.encodeError({ status, kind: errorKindForStatus(status), message })));
  };
  const authorized = (req: IncomingMessage) => (protocol === 'openai-chat' ? req.headers.authorization === `Bearer ${apiKey}` : req.headers['x-api-key'] === apiKey);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    const countTokens = protocol === 'anthropic-messages' && path === COUNT_TOKENS_PATH;
    if (req.method !== 'POST' || (path !== PATHS[protocol] && !countTokens)) return sendError(res, 404, `${name}: no route for ${req.method ?? ''} ${path ?? ''}`);
    const read = await readBody(req, BODY_LIMIT);
    const text = read.ok ? read.body.toString('utf8') : undefined;
    if (!authorized(req)) return sendError(res, 401, `${name}: invalid API key`);
    const body = text === undefined ? undefined : objectAt(parseJson(text));
    if (body === undefined) return sendError(res, text === undefined ? 413 : 400, `${name}: the body is not a JSON object`);
    const inputTokens = estimateInputTokens(body);
    let request;
    try {
      request = codec.decodeRequest(body);
    } catch (error) {
      return sendError(res, 400, `${name}: ${(error as Error).message}`);
    }
    if (countTokens) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ input_tokens: inputTokens }));
    }
    if (latencyMs > 0) await sleep(latencyMs);
    if (res.destroyed) return;
    if (random() < faultRate) {
      const status = FAULT_STATUSES[Math.floor(random() * FAULT_STATUSES.length)]!;
      return sendError(res, status, `${name}: simulated ${status === 429 ? 'rate limit' : 'outage'}`, status === 429 ? { 'retry-after': '1' } : {});
    }
    const answer = demoAnswer(request, { provider: name, protocol }, inputTokens);
    if (!request.stream) {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(codec.encodeResponse(answer)));
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    const encoder = codec.createStreamEncoder({ includeUsage: request.includeUsage });
    for (const event of inWords(responseToStreamEvents(answer))) res.write(encoder.encode(event));
    res.end();
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendError(res, 500, `${name}: internal error`);
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    name,
    protocol,
    baseUrl: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
