/**
 * Relays an upstream SSE stream to the client byte for byte, cut only at event boundaries, so that when the
 * upstream dies mid-stream the in-band error event is never glued onto half an event.
 */
import type { ServerResponse } from 'node:http';

/** End of the last complete event in `chunk` (after its blank line), or -1. */
export function lastEventBoundary(chunk: Buffer): number {
  const lf = chunk.lastIndexOf('\n\n');
  const crlf = chunk.lastIndexOf('\r\n\r\n');
  if (lf < 0 && crlf < 0) return -1;
  return Math.max(lf < 0 ? -1 : lf + 2, crlf < 0 ? -1 : crlf + 4);
}

export async function write(res: ServerResponse, data: Buffer | string): Promise<void> {
  if (res.destroyed) return;
  if (!res.write(data)) {
    await new Promise<void>((resolve) => {
      const done = () => {
        res.off('drain', done);
        res.off('close', done);
        resolve();
      };
      res.on('drain', done);
      res.on('close', done);
    });
  }
}

export interface RelayResult {
  /** The upstream ended normally with its terminal event. */
  complete: boolean;
  /** How many `data:` events were relayed (a proxy for tokens, for throughput). */
  events: number;
  error?: string;
}

/**
 * Writes `first` and then every chunk of `rest`. Returns when the upstream ends, fails or the client goes away.
 * `terminal` is the byte sequence of the protocol's final event (`data: [DONE]` for OpenAI).
 */
export async function relaySse(res: ServerResponse, first: Buffer, rest: AsyncIterator<Buffer>, terminal: string, transform?: (events: Buffer) => Buffer): Promise<RelayResult> {
  let pending: Buffer | undefined;
  let events = 0;
  let tail = '';
  const forward = async (chunk: Buffer) => {
    const data = pending ? Buffer.concat([pending, chunk]) : chunk;
    const boundary = lastEventBoundary(data);
    if (boundary < 0) {
      pending = data;
      return;
    }
    pending = boundary < data.length ? data.subarray(boundary) : undefined;
    const complete = boundary < data.length ? data.subarray(0, boundary) : data;
    events += countEvents(complete);
    tail = (tail + complete.subarray(Math.max(0, complete.length - 64)).toString('latin1')).slice(-64);
    await write(res, transform ? transform(complete) : complete);
  };
  try {
    await forward(first);
    for (;;) {
      if (res.destroyed) return { complete: false, events, error: 'client closed the stream' };
      const next = await rest.next();
      if (next.done) break;
      await forward(next.value);
    }
  } catch (error) {
    const code = (error as { code?: string }).code;
    return { complete: false, events, error: code === 'UND_ERR_BODY_TIMEOUT' ? 'upstream stream went idle' : 'upstream connection dropped mid-stream' };
  }
  if (pending) {
    // an unterminated last event: send it as is only if it carries the terminal marker
    if (pending.includes(terminal)) {
      await write(res, transform ? transform(pending) : pending);
      return { complete: true, events: events + 1 };
    }
    return { complete: false, events, error: 'upstream ended the stream in the middle of an event' };
  }
  return tail.includes(terminal) ? { complete: true, events } : { complete: false, events, error: 'upstream ended the stream before its final event' };
}

function countEvents(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf('data:'); i >= 0; i = data.indexOf('data:', i + 5)) n++;
  return n;
}
