/**
 * A scriptable OpenAI-compatible upstream for end-to-end tests: a real `node:http` server on
 * 127.0.0.1 that speaks OpenAI's chat-completions wire format (JSON and SSE), records every request
 * and can misbehave on cue (error statuses, hangs, connection resets, streams cut mid-way).
 *
 *   const mock = await startMockOpenAI();
 *   mock.script([{ status: 429, headers: { 'retry-after': '1' } }, { content: 'hi' }]);
 *   // ... point the gateway at mock.url ...
 *   await mock.close();
 *
 * Behaviour choice per request: `byKey[apiKey]`, else the next scripted entry, else the default.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type OpenAI from 'openai';

export interface ScriptedToolCall {
  name: string;
  /** JSON text, or an object that is serialised with JSON.stringify. */
  arguments: string | Record<string, unknown>;
  id?: string;
}

/** An answer: a success (status 2xx, the default) or an error status with OpenAI's error envelope. */
export interface ReplyBehaviour {
  /** HTTP status; default 200. At 400 and above the body is an OpenAI error envelope. */
  status?: number;
  /** Extra response headers, e.g. `retry-after` or `x-ratelimit-remaining-requests`. */
  headers?: Record<string, string>;
  /** Wait this long before sending the status line and headers (a slow first byte). */
  delayMs?: number;
  /** Assistant text; default "Hello from the mock upstream.". */
  content?: string;
  /** Answer with a tool call instead of text (finish_reason `tool_calls`). */
  toolCall?: ScriptedToolCall;
  /** Number of content (or tool-argument) deltas when streaming; default 3. */
  chunks?: number;
  /** Wait this long between streamed events. */
  chunkDelayMs?: number;
  /** Override the reported token usage. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Send this many SSE events, then destroy the socket without `[DONE]`. Non-streaming: half the body. */
  cutAfterChunks?: number;
  /** Send this many SSE events, then go silent with the connection open. Non-streaming: half the body. */
  stallAfterChunks?: number;
  /** Replace the generated body: a string is sent as is, anything else as JSON. */
  body?: unknown;
  /** Error message for the generated error envelope. */
  message?: string;
}

/** Never answer (for timeout tests); the request stays open until the client or `close()` ends it. */
export interface HangBehaviour {
  hang: true;
}

/** Destroy the connection (TCP RST) before any response byte, optionally after `delayMs`. */
export interface ResetBehaviour {
  reset: true;
  delayMs?: number;
}

export type Behaviour = ReplyBehaviour | HangBehaviour | ResetBehaviour;

/** What the mock knows about a request when it chooses a behaviour. */
export interface ReceivedRequest {
  /** 0-based position among the requests received since start or the last `reset()`. */
  index: number;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** The `Authorization: Bearer` token. */
  apiKey: string | undefined;
  /** `model` from the JSON body. */
  model: string | undefined;
  /** Date.now() when the request body had been read. */
  time: number;
}

export type BehaviourFn = (request: ReceivedRequest, index: number) => Behaviour;
export type BehaviourSpec = Behaviour | BehaviourFn;

export interface RecordedRequest extends ReceivedRequest {
  behaviour: Behaviour;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The response was written completely. */
  finished: boolean;
}

export interface MockOpenAIOptions {
  default?: BehaviourSpec;
  script?: BehaviourSpec[];
  byKey?: Record<string, BehaviourSpec>;
  /** Ids listed by `GET /v1/models`; default `['mock-model']`. */
  models?: string[];
}

export interface MockUpstream {
  /** Base URL including `/v1`, e.g. `http://127.0.0.1:54321/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (the same array across `reset()`). */
  readonly requests: RecordedRequest[];
  /** TCP connections currently open to the mock. */
  readonly openConnections: number;
  /** Requests whose response has not ended (finished, cut or aborted) yet. */
  readonly inFlight: number;
  /** Replace the queue of behaviours consumed one per request, in order. */
  script(behaviours: BehaviourSpec[]): void;
  setDefault(behaviour: BehaviourSpec): void;
  /** Behaviours chosen by API key; they win over the script and the default. */
  setByKey(byKey: Record<string, BehaviourSpec>): void;
  /** Forget recorded requests and restore the behaviours given at start. */
  reset(): void;
  /** Resolve once `condition()` holds; reject after `timeoutMs` (default 2000). */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /** Close the server and destroy every open socket. */
  close(): Promise<void>;
}

const DEFAULT_CONTENT = 'Hello from the mock upstream.';
const DEFAULT_CHUNKS = 3;

export async function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockUpstream> {
  const models = options.models ?? ['mock-model'];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let queue: BehaviourSpec[] = [];
  let fallback: BehaviourSpec = {};
  let byKey: Record<string, BehaviourSpec> = {};
  let inFlight = 0;
  let closing = false;

  const restore = (): void => {
    queue = [...(options.script ?? [])];
    fallback = options.default ?? {};
    byKey = { ...options.byKey };
  };
  restore();

  const choose = (request: ReceivedRequest): Behaviour => {
    const keyed = request.apiKey === undefined ? undefined : byKey[request.apiKey];
    const spec = keyed ?? queue.shift() ?? fallback;
    return typeof spec === 'function' ? spec(request, request.index) : spec;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req);
    const received = describeRequest(req, rawBody, requests.length);
    const record: RecordedRequest = { ...received, behaviour: choose(received), aborted: false, finished: false };
    requests.push(record);
    inFlight++;

    const cancelled = new AbortController();
    let destroyedByMock = false;
    // Flush what was written, then drop the connection (FIN, no terminating chunk, no [DONE]).
    const cut = (): void => {
      destroyedByMock = true;
      req.socket.end(() => req.socket.destroy());
    };
    res.on('close', () => {
      inFlight--;
      record.finished = res.writableFinished;
      record.aborted = !res.writableFinished && !destroyedByMock && !closing;
      cancelled.abort();
    });

    const behaviour = record.behaviour;
    if ('hang' in behaviour) return;
    if (!(await pause(behaviour.delayMs ?? 0, cancelled.signal))) return;
    if ('reset' in behaviour) {
      destroyedByMock = true;
      req.socket.resetAndDestroy();
      return;
    }

    const status = behaviour.status ?? 200;
    if (status >= 400) return sendJson(res, status, behaviour.body ?? errorEnvelope(status, behaviour.message), behaviour.headers);
    if (req.method === 'GET' && received.path === '/v1/models') return sendJson(res, status, behaviour.body ?? modelList(models), behaviour.headers);
    if (req.method !== 'POST' || received.path !== '/v1/chat/completions') {
      return sendJson(res, 404, errorEnvelope(404, `Unknown request URL: ${req.method} ${received.path}.`, 'unknown_url'));
    }
    if (!isObject(received.body)) return sendJson(res, 400, errorEnvelope(400, 'We could not parse the JSON body of your request.'));

    const answer = buildAnswer(received.body, behaviour);
    const transport = { res, signal: cancelled.signal, cut };
    if (received.body.stream === true) return streamAnswer(transport, status, answer, behaviour);
    return sendCompletion(transport, status, answer, behaviour);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, errorEnvelope(500));
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    port,
    requests,
    get openConnections() {
      return sockets.size;
    },
    get inFlight() {
      return inFlight;
    },
    script(behaviours) {
      queue = [...behaviours];
    },
    setDefault(behaviour) {
      fallback = behaviour;
    },
    setByKey(map) {
      byKey = { ...map };
    },
    reset() {
      requests.length = 0;
      restore();
    },
    async waitFor(condition, timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      while (!condition()) {
        if (Date.now() > deadline) throw new Error(`mock upstream: condition not met within ${timeoutMs} ms`);
        await sleep(5);
      }
    },
    close() {
      closing = true;
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Request parsing

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function describeRequest(req: IncomingMessage, rawBody: string, index: number): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const body = parseJson(rawBody);
  const bearer = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return {
    index,
    method: req.method ?? 'GET',
    path: new URL(req.url ?? '/', 'http://mock').pathname,
    headers,
    body,
    rawBody,
    apiKey: bearer?.[1],
    model: isObject(body) && typeof body.model === 'string' ? body.model : undefined,
    time: Date.now(),
  };
}

function parseJson(text: string): unknown {
  try {
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------
// Answers in OpenAI's wire format

interface Answer {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCall: { id: string; name: string; arguments: string } | undefined;
  /** Text (or tool arguments) split into streamed deltas. */
  deltas: string[];
  includeUsage: boolean;
  usage: OpenAI.CompletionUsage;
}

function buildAnswer(body: Record<string, unknown>, behaviour: ReplyBehaviour): Answer {
  const scripted = behaviour.toolCall;
  const toolCall = scripted && {
    id: scripted.id ?? `call_${randomBytes(12).toString('hex')}`,
    name: scripted.name,
    arguments: typeof scripted.arguments === 'string' ? scripted.arguments : JSON.stringify(scripted.arguments),
  };
  const content = toolCall ? null : (behaviour.content ?? DEFAULT_CONTENT);
  const output = toolCall ? toolCall.arguments : (content ?? '');
  const promptTokens = behaviour.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(body.messages ?? []));
  const completionTokens = behaviour.usage?.completion_tokens ?? estimateTokens(output);
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
  return {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'mock-model',
    content,
    toolCall,
    deltas: splitInto(output, behaviour.chunks ?? DEFAULT_CHUNKS),
    includeUsage: streamOptions.include_usage === true,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function completionOf(answer: Answer): OpenAI.ChatCompletion {
  const { toolCall } = answer;
  const message: OpenAI.ChatCompletionMessage = { role: 'assistant', content: answer.content, refusal: null };
  if (toolCall) {
    message.tool_calls = [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: toolCall.arguments } }];
  }
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toolCall ? 'tool_calls' : 'stop' }],
    usage: answer.usage,
  };
}

/** The chunks of a streamed answer, without the final `[DONE]`. */
function chunksOf(answer: Answer): OpenAI.ChatCompletionChunk[] {
  const { toolCall } = answer;
  const chunk = (choices: OpenAI.ChatCompletionChunk.Choice[], usage?: OpenAI.CompletionUsage): OpenAI.ChatCompletionChunk => ({
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    choices,
    ...(answer.includeUsage ? { usage: usage ?? null } : {}),
  });
  const delta = (value: OpenAI.ChatCompletionChunk.Choice.Delta, finish: OpenAI.ChatCompletionChunk.Choice['finish_reason'] = null) =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finish }]);

  const chunks = toolCall
    ? [
        delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: '' } }] }),
        ...answer.deltas.map((fragment) => delta({ tool_calls: [{ index: 0, function: { arguments: fragment } }] })),
        delta({}, 'tool_calls'),
      ]
    : [delta({ role: 'assistant', content: '' }), ...answer.deltas.map((text) => delta({ content: text })), delta({}, 'stop')];
  if (answer.includeUsage) chunks.push(chunk([], answer.usage));
  return chunks;
}

function modelList(ids: string[]): { object: 'list'; data: OpenAI.Model[] } {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'mock' })) };
}

export interface OpenAIErrorEnvelope {
  error: { message: string; type: string; code: string | null; param: string | null };
}

const ERROR_KINDS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  402: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota.' },
  403: { type: 'permission_error', code: 'permission_denied', message: 'You are not allowed to use this model.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  408: { type: 'timeout', code: 'timeout', message: 'Request timed out.' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request too large.' },
  422: { type: 'invalid_request_error', code: 'unprocessable_entity', message: 'Unprocessable request.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  502: { type: 'server_error', code: 'bad_gateway', message: 'Bad gateway.' },
  503: { type: 'server_error', code: 'service_unavailable', message: 'The engine is currently overloaded, please try again later.' },
  529: { type: 'overloaded_error', code: 'overloaded', message: 'Overloaded.' },
};

export function errorEnvelope(status: number, message?: string, code?: string): OpenAIErrorEnvelope {
  const kind = ERROR_KINDS[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message: `Error ${status}.` };
  return { error: { message: message ?? kind.message, type: kind.type, code: code ?? kind.code, param: null } };
}

// ---------------------------------------------------------------------------------------------
// Writing responses

interface Transport {
  res: ServerResponse;
  /** Aborted when the response closes for any reason. */
  signal: AbortSignal;
  /** Destroy the connection on purpose (not counted as a client abort). */
  cut: () => void;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-request-id': requestId(),
    ...headers,
  });
  res.end(text);
}

function sendCompletion({ res, cut }: Transport, status: number, answer: Answer, behaviour: ReplyBehaviour): void {
  const truncate = behaviour.cutAfterChunks ?? behaviour.stallAfterChunks;
  if (truncate === undefined) return sendJson(res, status, behaviour.body ?? completionOf(answer), behaviour.headers);
  const text = JSON.stringify(behaviour.body ?? completionOf(answer));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...behaviour.headers });
  res.write(text.slice(0, Math.floor(text.length / 2)));
  if (behaviour.cutAfterChunks !== undefined) cut();
}

async function streamAnswer({ res, signal, cut }: Transport, status: number, answer: Answer, behaviour: ReplyBehaviour): Promise<void> {
  res.writeHead(status, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    'x-request-id': requestId(),
    ...behaviour.headers,
  });
  res.flushHeaders();
  const chunks = chunksOf(answer);
  for (const [i, chunk] of chunks.entries()) {
    if (i === behaviour.cutAfterChunks) return cut();
    if (i === behaviour.stallAfterChunks) return;
    if (i > 0 && !(await pause(behaviour.chunkDelayMs ?? 0, signal))) return;
    writeSseEvent(res, chunk);
  }
  if (behaviour.cutAfterChunks !== undefined) return cut();
  if (behaviour.stallAfterChunks !== undefined) return;
  writeSseEvent(res, '[DONE]');
  res.end();
}

/** The one place an SSE event is written: `data: <json>\n\n`, or the `[DONE]` sentinel. */
function writeSseEvent(res: ServerResponse, data: object | '[DONE]'): void {
  res.write(`data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
}

// ---------------------------------------------------------------------------------------------
// Small pieces

/** Sleep `ms`; false when `signal` aborted first (the response is gone, stop writing). */
async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined);
  return !signal.aborted;
}

function splitInto(text: string, parts: number): string[] {
  if (text === '') return [];
  const size = Math.ceil(text.length / Math.max(1, parts));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function requestId(): string {
  return `req_${randomBytes(16).toString('hex')}`;
}
