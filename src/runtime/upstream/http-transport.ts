/**
 * One upstream HTTP call with the gateway's timeouts: connect (pool), time to first byte, idle between
 * chunks, and the attempt deadline. Streams resolve once the first body chunk arrived, so that a failure
 * before it is still a failover.
 */
import type { Dispatcher } from 'undici';
import type { FailureReason, UpstreamOutcome } from '../engine/outcome.js';
import { unwatchCall, watchCall, type TimedCall } from './attempt-timers.js';
import type { CancelSignal } from './cancellation.js';
import type { OriginPools } from './origin-pools.js';

export type UpstreamBody =
  | { kind: 'buffer'; data: Buffer }
  | {
      kind: 'stream';
      first: Buffer;
      rest: AsyncIterator<Buffer>;
      /** Ends the upstream call (client went away, or we stop reading). */
      cancel(): void;
      /** Clears the attempt's timers once the stream is done. */
      done(): void;
    };

export interface UpstreamCall {
  /** Default POST; the stored-response routes (`GET`/`DELETE /responses/{id}`) send the others without a body. */
  method?: 'POST' | 'GET' | 'DELETE';
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string | Buffer;
  stream: boolean;
  connections: number;
  connectTimeoutMs: number;
  firstByteMs: number;
  idleMs: number;
  /** Absolute Date.now() ms at which the attempt is abandoned. */
  deadline: number;
  /** The client's cancellation. */
  signal: CancelSignal;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'content-encoding', '__proto__']);

/** undici's raw header list ([name, value, ...] as Buffers) as one lower-case record, hop-by-hop headers dropped. */
export function flattenRawHeaders(raw: ReadonlyArray<Buffer | string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < raw.length; i += 2) {
    // header names are ASCII tokens: latin1 decodes them without the UTF-8 decoder
    const name = raw[i]!.toString('latin1').toLowerCase();
    if (HOP_BY_HOP.has(name)) continue;
    const entry = raw[i + 1]!;
    const value = Array.isArray(entry) ? entry.join(', ') : entry.toString('latin1');
    const seen = out[name];
    out[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  return out;
}

class AttemptTimeout extends Error {
  constructor(readonly which: 'first byte' | 'deadline') {
    super(`upstream ${which} timeout`);
  }
}

class StreamCancelled extends Error {
  constructor() {
    super('stream cancelled');
  }
}

function failureOf(error: unknown, clientAborted: boolean): { reason: FailureReason; message: string } {
  if (clientAborted) return { reason: 'aborted', message: 'client closed the request' };
  if (error instanceof AttemptTimeout) return { reason: 'timeout', message: error.message };
  const code = (error as { code?: string } | null)?.code ?? '';
  switch (code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { reason: code === 'UND_ERR_CONNECT_TIMEOUT' ? 'timeout' : 'connect', message: `cannot connect (${code})` };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { reason: 'timeout', message: `upstream idle timeout (${code})` };
    default:
      return { reason: 'reset', message: `connection failed (${code || (error as Error | null)?.name || 'error'})` };
  }
}

/** Chunks past this many waiting for the reader pause the upstream socket. */
const STREAM_HIGH_WATER = 16;

/**
 * The body of a streamed answer after its first chunk, as an async iterator fed by the handler: chunks
 * queue up to a high-water mark (then the socket pauses until the reader catches up), an upstream error
 * is thrown from `next()` once the queued chunks are read.
 */
class StreamRest implements AsyncIterator<Buffer> {
  private readonly queue: Buffer[] = [];
  private ended = false;
  private error: unknown;
  private waiting: { resolve(r: IteratorResult<Buffer>): void; reject(e: unknown): void } | undefined;

  constructor(private readonly resume: () => void) {}

  /** False when the reader is behind: pause the socket. */
  push(chunk: Buffer): boolean {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting.resolve({ done: false, value: chunk });
      return true;
    }
    this.queue.push(chunk);
    return this.queue.length < STREAM_HIGH_WATER;
  }

  end(): void {
    this.ended = true;
    this.settleWaiting();
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    this.error = error;
    this.settleWaiting();
  }

  next(): Promise<IteratorResult<Buffer>> {
    const chunk = this.queue.shift();
    if (chunk !== undefined) {
      if (this.queue.length === STREAM_HIGH_WATER / 2) this.resume();
      return Promise.resolve({ done: false, value: chunk });
    }
    if (this.ended) return this.error === undefined ? Promise.resolve({ done: true, value: undefined }) : Promise.reject(this.error);
    this.resume();
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  private settleWaiting(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    this.waiting = undefined;
    if (this.error === undefined) waiting.resolve({ done: true, value: undefined });
    else waiting.reject(this.error);
  }
}

type Settle = (outcome: UpstreamOutcome<UpstreamBody>) => void;

/**
 * One call as an undici dispatch handler: no Readable, no AbortController, no per-call Node timers
 * (the first-byte and deadline checks ride the shared tick in attempt-timers.ts). A JSON answer (or any
 * non-2xx) is collected whole; a 2xx stream settles at its first chunk and hands the rest over as it comes.
 */
class CallHandler implements TimedCall {
  firstByteAt: number;
  deadlineAt: number;
  private abortCall: ((reason: Error) => void) | undefined;
  private abortReason: Error | undefined;
  private settle: Settle | undefined;
  private status = 0;
  private headers: Record<string, string> = {};
  private chunks: Buffer[] = [];
  private buffering = true;
  private rest: StreamRest | undefined;
  private resumeSocket: () => void = noop;
  private unsubscribe: () => void = noop;
  private finished = false;

  constructor(
    private readonly call: UpstreamCall,
    settle: Settle,
  ) {
    this.settle = settle;
    this.firstByteAt = Date.now() + call.firstByteMs;
    this.deadlineAt = call.deadline;
    watchCall(this);
    this.unsubscribe = call.signal.onCancel(() => this.abort(new Error('client closed the request')));
  }

  expire(which: 'first byte' | 'deadline'): void {
    this.abort(new AttemptTimeout(which));
  }

  abort(reason: Error): void {
    unwatchCall(this);
    if (this.abortReason !== undefined || this.finished) return;
    this.abortReason = reason;
    if (this.abortCall) {
      this.abortCall(reason); // undici answers with onError(reason)
      return;
    }
    // still queued for a connection: settle now; onConnect aborts the request once it gets one
    this.onError(reason);
  }

  /** Stops the timers and the client listener; the call's outcome is known. */
  private cleanup(): void {
    this.finished = true;
    unwatchCall(this);
    this.unsubscribe();
  }

  private resolve(outcome: UpstreamOutcome<UpstreamBody>): void {
    const settle = this.settle;
    this.settle = undefined;
    settle?.(outcome);
  }

  onConnect(abort: (reason?: Error) => void): void {
    this.abortCall = abort;
    if (this.abortReason !== undefined) abort(this.abortReason);
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    this.status = statusCode;
    this.headers = flattenRawHeaders(rawHeaders);
    this.resumeSocket = resume;
    this.buffering = !this.call.stream || statusCode < 200 || statusCode >= 300;
    // the headers are the first byte of a JSON answer; the idle timeout covers its body
    if (this.buffering) this.firstByteAt = Infinity;
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.buffering) {
      this.chunks.push(chunk);
      return true;
    }
    if (this.rest) return this.rest.push(chunk);
    this.firstByteAt = Infinity;
    const rest = new StreamRest(() => this.resumeSocket());
    this.rest = rest;
    this.resolve({
      kind: 'response',
      status: this.status,
      headers: this.headers,
      body: {
        kind: 'stream',
        first: chunk,
        rest,
        cancel: () => {
          this.abort(new StreamCancelled());
          this.cleanup();
        },
        done: () => this.cleanup(),
      },
    });
    return true;
  }

  onComplete(): void {
    if (this.rest) {
      this.rest.end();
      this.cleanup();
      return;
    }
    this.cleanup();
    if (!this.buffering) {
      this.resolve({ kind: 'failure', reason: 'reset', message: 'upstream ended the stream before the first byte' });
      return;
    }
    const chunks = this.chunks;
    const data = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    this.chunks = [];
    this.resolve({ kind: 'response', status: this.status, headers: this.headers, body: { kind: 'buffer', data } });
  }

  onError(error: Error): void {
    const reason = this.abortReason ?? error;
    this.cleanup();
    if (this.rest) {
      this.rest.fail(reason);
      return;
    }
    this.resolve({ kind: 'failure', ...failureOf(reason, this.call.signal.aborted) });
  }
}

function noop(): void {}

export function callUpstream(pools: OriginPools, call: UpstreamCall): Promise<UpstreamOutcome<UpstreamBody>> {
  if (call.signal.aborted) return Promise.resolve({ kind: 'failure', reason: 'aborted', message: 'client closed the request' });
  return new Promise((settle) => {
    const handler = new CallHandler(call, settle);
    try {
      const pool = pools.get(call.origin, { connections: call.connections, connectTimeoutMs: call.connectTimeoutMs });
      pool.dispatch({ method: call.method ?? 'POST', path: call.path, headers: call.headers, body: call.method === undefined || call.method === 'POST' ? call.body : null, bodyTimeout: call.idleMs }, handler as unknown as Dispatcher.DispatchHandler);
    } catch (error) {
      handler.onError(error as Error);
    }
  });
}

/** Releases the body of an outcome the gateway will not use. */
export function discardOutcome(outcome: UpstreamOutcome<UpstreamBody>): void {
  if (outcome.kind === 'response' && outcome.body.kind === 'stream') outcome.body.cancel();
}
