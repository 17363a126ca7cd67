/**
 * The plumbing every mock upstream shares: a real `node:http` server on 127.0.0.1 that records each
 * request (headers, body, and the exact bytes it answered), picks a behaviour per request (by API key,
 * then a script, then a default), and can misbehave on cue: hang, reset the connection, answer late,
 * cut or stall a stream. Each provider's mock (OpenAI, Anthropic, Gemini) supplies only its wire format.
 *
 * Behaviour choice per request: `byKey[apiKey]`, else the next scripted entry, else the default.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** What every reply behaviour can say, whatever the wire format. */
export interface BaseReply {
  /** HTTP status; default 200. At 400 and above the body is the provider's error envelope. */
  status?: number;
  /** Extra response headers, e.g. `retry-after`. */
  headers?: Record<string, string>;
  /** Wait this long before sending the status line and headers (a slow first byte). */
  delayMs?: number;
  /** Wait this long between streamed events. */
  chunkDelayMs?: number;
  /** Send this many SSE events, then close the connection without the final event. Non-streaming: half the body. */
  cutAfterChunks?: number;
  /** Send this many SSE events, then go silent with the connection open. Non-streaming: half the body. */
  stallAfterChunks?: number;
  /** Replace the generated body: a string is sent as is, anything else as JSON. */
  body?: unknown;
  /** Error message for the generated error envelope. */
  message?: string;
  /** Stream exactly these SSE events (raw text, each ending in a blank line) with `status`, whatever the wire format. */
  sse?: string[];
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

export type Behaviour<Reply extends BaseReply> = Reply | HangBehaviour | ResetBehaviour;

/** What the mock knows about a request when it chooses a behaviour. */
export interface ReceivedRequest {
  /** 0-based position among the requests received since start or the last `reset()`. */
  index: number;
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** The query string parameters, e.g. `{ alt: 'sse' }`. */
  query: Record<string, string>;
  /** Header names lowercased; repeated headers joined with ", ". */
  headers: Record<string, string>;
  /** Parsed JSON body; undefined when the body was empty or not JSON. */
  body: unknown;
  rawBody: string;
  /** The provider key the request carried (where each provider puts it). */
  apiKey: string | undefined;
  /** The model the request named (in the body, or in the path for Gemini). */
  model: string | undefined;
  /** Date.now() when the request body had been read. */
  time: number;
}

export type BehaviourFn<Reply extends BaseReply> = (request: ReceivedRequest, index: number) => Behaviour<Reply>;
export type BehaviourSpec<Reply extends BaseReply> = Behaviour<Reply> | BehaviourFn<Reply>;

export interface RecordedRequest<Reply extends BaseReply> extends ReceivedRequest {
  behaviour: Behaviour<Reply>;
  /** The client closed the connection before the response was complete. */
  aborted: boolean;
  /** The response was written completely. */
  finished: boolean;
  /** Every response body byte the mock wrote, as text (for byte-for-byte comparisons). */
  sent: string;
}

export interface MockUpstream<Reply extends BaseReply> {
  /** Base URL including the API version path, e.g. `http://127.0.0.1:54321/v1`. */
  readonly url: string;
  readonly port: number;
  /** Every request received, in arrival order (the same array across `reset()`). */
  readonly requests: RecordedRequest<Reply>[];
  /** TCP connections currently open to the mock. */
  readonly openConnections: number;
  /** Requests whose response has not ended (finished, cut or aborted) yet. */
  readonly inFlight: number;
  /** Replace the queue of behaviours consumed one per request, in order. */
  script(behaviours: BehaviourSpec<Reply>[]): void;
  setDefault(behaviour: BehaviourSpec<Reply>): void;
  /** Behaviours chosen by API key; they win over the script and the default. */
  setByKey(byKey: Record<string, BehaviourSpec<Reply>>): void;
  /** Forget recorded requests and restore the behaviours given at start. */
  reset(): void;
  /** Resolve once `condition()` holds; reject after `timeoutMs` (default 2000). */
  waitFor(condition: () => boolean, timeoutMs?: number): Promise<void>;
  /** Close the server and destroy every open socket. */
  close(): Promise<void>;
}

export interface MockBehaviours<Reply extends BaseReply> {
  default?: BehaviourSpec<Reply>;
  script?: BehaviourSpec<Reply>[];
  byKey?: Record<string, BehaviourSpec<Reply>>;
}

/** One response being written: the wire-format half of a mock writes through it. */
export interface ReplyWriter {
  readonly res: ServerResponse;
  /** Aborted when the response closes for any reason. */
  readonly signal: AbortSignal;
  /** Writes the status line and headers. */
  head(status: number, headers: Record<string, string | number>): void;
  /** Writes body bytes (recorded in `sent`). */
  write(text: string): void;
  end(text?: string): void;
  /** Flush what was written, then drop the connection on purpose (FIN, not counted as a client abort). */
  cut(): void;
}

export interface MockServerSpec<Reply extends BaseReply> extends MockBehaviours<Reply> {
  /** The API version path the URL ends with, e.g. `/v1` or `/v1beta`. */
  basePath: string;
  /** Where the provider's key sits in a request. */
  apiKeyOf(headers: Record<string, string>, query: Record<string, string>): string | undefined;
  /** The model a request names; default: `model` in the JSON body. */
  modelOf?(path: string, body: unknown): string | undefined;
  /** Writes the answer for a request whose behaviour is a reply (not a hang or reset). */
  reply(request: ReceivedRequest, behaviour: Reply, writer: ReplyWriter): Promise<void> | void;
}

export async function startMockServer<Reply extends BaseReply>(spec: MockServerSpec<Reply>): Promise<MockUpstream<Reply>> {
  const requests: RecordedRequest<Reply>[] = [];
  const sockets = new Set<Socket>();
  let queue: BehaviourSpec<Reply>[] = [];
  let fallback: BehaviourSpec<Reply> = {} as Reply;
  let byKey: Record<string, BehaviourSpec<Reply>> = {};
  let inFlight = 0;
  let closing = false;

  const restore = (): void => {
    queue = [...(spec.script ?? [])];
    fallback = spec.default ?? ({} as Reply);
    byKey = { ...spec.byKey };
  };
  restore();

  const choose = (request: ReceivedRequest): Behaviour<Reply> => {
    const keyed = request.apiKey === undefined ? undefined : byKey[request.apiKey];
    const chosen = keyed ?? queue.shift() ?? fallback;
    return typeof chosen === 'function' ? chosen(request, request.index) : chosen;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const rawBody = await readBody(req);
    const received = describeRequest(req, rawBody, requests.length, spec);
    const record: RecordedRequest<Reply> = { ...received, behaviour: choose(received), aborted: false, finished: false, sent: '' };
    requests.push(record);
    inFlight++;

    const cancelled = new AbortController();
    let destroyedByMock = false;
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
    const writer: ReplyWriter = {
      res,
      signal: cancelled.signal,
      head: (status, headers) => res.writeHead(status, { 'x-request-id': mockRequestId(), ...headers }),
      write(text) {
        record.sent += text;
        res.write(text);
      },
      end(text) {
        if (text !== undefined) record.sent += text;
        res.end(text);
      },
      cut() {
        destroyedByMock = true;
        req.socket.end(() => req.socket.destroy());
      },
    };
    if (behaviour.sse !== undefined) await streamSseReply(writer, behaviour.status ?? 200, behaviour.sse, undefined, behaviour);
    else await spec.reply(received, behaviour, writer);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":{"message":"mock upstream failed"}}');
      } else res.destroy();
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
    url: `http://127.0.0.1:${port}${spec.basePath}`,
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
// Requests

async function readBody(req: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of req) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function describeRequest<Reply extends BaseReply>(req: IncomingMessage, rawBody: string, index: number, spec: MockServerSpec<Reply>): ReceivedRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const url = new URL(req.url ?? '/', 'http://mock');
  const query = Object.fromEntries(url.searchParams);
  const body = parseJson(rawBody);
  const path = url.pathname;
  return {
    index,
    method: req.method ?? 'GET',
    path,
    query,
    headers,
    body,
    rawBody,
    apiKey: spec.apiKeyOf(headers, query),
    model: spec.modelOf ? spec.modelOf(path, body) : isObject(body) && typeof body.model === 'string' ? body.model : undefined,
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

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The token of `Authorization: Bearer <token>`. */
export function bearerToken(headers: Record<string, string>): string | undefined {
  const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
  return match?.[1];
}

// ---------------------------------------------------------------------------------------------
// Answers

/** A JSON answer sent whole (errors, listings). */
export function sendJson(writer: ReplyWriter, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  writer.head(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  writer.end(text);
}

/** A successful JSON answer; honours `cutAfterChunks`/`stallAfterChunks` by sending half the body. */
export function sendJsonReply(writer: ReplyWriter, status: number, body: unknown, behaviour: BaseReply): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  writer.head(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...behaviour.headers });
  const truncate = behaviour.cutAfterChunks ?? behaviour.stallAfterChunks;
  if (truncate === undefined) return writer.end(text);
  writer.write(text.slice(0, Math.floor(text.length / 2)));
  if (behaviour.cutAfterChunks !== undefined) writer.cut();
}

/**
 * A streamed answer: `events` (each a whole SSE event, text) then `terminal` (the protocol's final
 * event, or nothing for protocols without one). `cutAfterChunks`/`stallAfterChunks` count `events`.
 */
export async function streamSseReply(writer: ReplyWriter, status: number, events: string[], terminal: string | undefined, behaviour: BaseReply): Promise<void> {
  writer.head(status, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', ...behaviour.headers });
  writer.res.flushHeaders();
  for (const [i, event] of events.entries()) {
    if (i === behaviour.cutAfterChunks) return writer.cut();
    if (i === behaviour.stallAfterChunks) return;
    if (i > 0 && !(await pause(behaviour.chunkDelayMs ?? 0, writer.signal))) return;
    writer.write(event);
  }
  if (behaviour.cutAfterChunks !== undefined) return writer.cut();
  if (behaviour.stallAfterChunks !== undefined) return;
  if (terminal !== undefined) writer.write(terminal);
  writer.end();
}

// ---------------------------------------------------------------------------------------------
// Small pieces

/** Sleep `ms`; false when `signal` aborted first (the response is gone, stop writing). */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (ms > 0) await sleep(ms, undefined, { signal }).catch(() => undefined);
  return !signal.aborted;
}

/** `text` in `parts` roughly equal pieces (none when empty). */
export function splitInto(text: string, parts: number): string[] {
  if (text === '') return [];
  const size = Math.ceil(text.length / Math.max(1, parts));
  const pieces: string[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.slice(at, at + size));
  return pieces;
}

/** The mocks' token count: characters / 4, at least 1. */
/** Dimensions of a mock embedding when the request names none. */
export const MOCK_EMBEDDING_DIMENSIONS = 4;

/**
 * The vector a mock upstream answers for the input at `index`: values exact in float32 (multiples of
 * 1/64), so a base64 float32 encoding round-trips them bit for bit.
 */
export function mockEmbedding(index: number, dimensions = MOCK_EMBEDDING_DIMENSIONS): number[] {
  return Array.from({ length: dimensions }, (_, k) => (index + 1) / 8 + k / 64 - 0.25);
}

export function estimateTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString('hex')}`;
}

function mockRequestId(): string {
  return randomId('req_', 16);
}
