/**
 * One upstream HTTP call with the gateway's timeouts: connect (pool), time to first byte, idle between
 * chunks, and the attempt deadline. Streams resolve once the first body chunk arrived, so that a failure
 * before it is still a failover.
 */
import type { Dispatcher } from 'undici';
import type { FailureReason, UpstreamOutcome } from '../engine/outcome.js';
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
  /** The client's abort. */
  signal: AbortSignal;
}

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'content-length', 'content-encoding']);

export function flattenHeaders(raw: Dispatcher.ResponseData['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

class AttemptTimeout extends Error {
  constructor(readonly which: 'first byte' | 'deadline') {
    super(`upstream ${which} timeout`);
  }
}

function failureOf(error: unknown, signal: AbortSignal, clientSignal: AbortSignal): { reason: FailureReason; message: string } {
  if (clientSignal.aborted) return { reason: 'aborted', message: 'client closed the request' };
  if (signal.aborted && signal.reason instanceof AttemptTimeout) return { reason: 'timeout', message: signal.reason.message };
  const code = (error as { code?: string }).code ?? '';
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
      return { reason: 'reset', message: `connection failed (${code || (error as Error).name || 'error'})` };
  }
}

async function readAll(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(chunk);
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
}

export async function callUpstream(pools: OriginPools, call: UpstreamCall): Promise<UpstreamOutcome<UpstreamBody>> {
  const controller = new AbortController();
  const onClientAbort = () => controller.abort(call.signal.reason);
  if (call.signal.aborted) return { kind: 'failure', reason: 'aborted', message: 'client closed the request' };
  call.signal.addEventListener('abort', onClientAbort, { once: true });
  const deadlineTimer = setTimeout(() => controller.abort(new AttemptTimeout('deadline')), Math.max(0, call.deadline - Date.now()));
  let firstByteTimer: NodeJS.Timeout | undefined = setTimeout(() => controller.abort(new AttemptTimeout('first byte')), call.firstByteMs);
  const clearFirstByte = () => {
    if (firstByteTimer) clearTimeout(firstByteTimer);
    firstByteTimer = undefined;
  };
  const cleanup = () => {
    clearFirstByte();
    clearTimeout(deadlineTimer);
    call.signal.removeEventListener('abort', onClientAbort);
  };

  let response: Dispatcher.ResponseData;
  try {
    const pool = pools.get(call.origin, { connections: call.connections, connectTimeoutMs: call.connectTimeoutMs });
    response = await pool.request({
      method: 'POST',
      path: call.path,
      headers: call.headers,
      body: call.body,
      signal: controller.signal,
      bodyTimeout: call.idleMs,
    });
  } catch (error) {
    cleanup();
    return { kind: 'failure', ...failureOf(error, controller.signal, call.signal) };
  }

  const headers = flattenHeaders(response.headers);
  const status = response.statusCode;
  try {
    if (!call.stream || status < 200 || status >= 300) {
      // the headers are the first byte of a JSON answer; the idle timeout covers its body
      clearFirstByte();
      const data = await readAll(response.body);
      cleanup();
      return { kind: 'response', status, headers, body: { kind: 'buffer', data } };
    }
    const rest = response.body[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const first = await rest.next();
    clearFirstByte();
    if (first.done) {
      cleanup();
      return { kind: 'failure', reason: 'reset', message: 'upstream ended the stream before the first byte' };
    }
    return {
      kind: 'response',
      status,
      headers,
      body: {
        kind: 'stream',
        first: first.value,
        rest,
        cancel: () => {
          controller.abort(new Error('stream cancelled'));
          response.body.destroy();
          cleanup();
        },
        done: cleanup,
      },
    };
  } catch (error) {
    cleanup();
    response.body.destroy();
    return { kind: 'failure', ...failureOf(error, controller.signal, call.signal) };
  }
}

/** Releases the body of an outcome the gateway will not use. */
export function discardOutcome(outcome: UpstreamOutcome<UpstreamBody>): void {
  if (outcome.kind === 'response' && outcome.body.kind === 'stream') outcome.body.cancel();
}
