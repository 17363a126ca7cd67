/**
 * Relays an upstream SSE stream to the client byte for byte, cut only at event boundaries, so that when the
 * upstream dies mid-stream the in-band error event is never glued onto half an event.
 */
import type { ServerResponse } from 'node:http';

const LF_LF = Buffer.from('\n\n');
const CRLF_CRLF = Buffer.from('\r\n\r\n');
const DATA_FIELD = Buffer.from('data:');

/** End of the last complete event in `chunk[0, end)` (after its blank line), or -1. */
export function lastEventBoundary(chunk: Buffer, end = chunk.length): number {
  // lastIndexOf takes the last start position; a negative one would count from the buffer's end
  const lf = end >= 2 ? chunk.lastIndexOf(LF_LF, end - 2) : -1;
  const crlf = end >= 4 ? chunk.lastIndexOf(CRLF_CRLF, end - 4) : -1;
  if (lf < 0 && crlf < 0) return -1;
  return Math.max(lf < 0 ? -1 : lf + 2, crlf < 0 ? -1 : crlf + 4);
}

/** Writes to the client; a promise only when the client is behind (it resolves on drain or close), so a relay's loop makes none per chunk. */
export function write(res: ServerResponse, data: Buffer | string): Promise<void> | undefined {
  if (res.destroyed) return undefined;
  return res.write(data) ? undefined : drained(res);
}

/** Resolves once the response can take more (or is closed). */
function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** Why reading an upstream body failed, in words for the client's in-band error. */
export function streamFailureMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  return code === 'UND_ERR_BODY_TIMEOUT' ? 'upstream stream went idle' : 'upstream connection dropped mid-stream';
}

export interface RelayResult {
  /** The upstream ended normally with its terminal event. */
  complete: boolean;
  /** How many `data:` events were relayed (a proxy for tokens, for throughput). */
  events: number;
  error?: string;
  /** The upstream ended the stream with its own in-band error event, which the client already has. */
  upstreamErrorRelayed?: boolean;
}

export interface RelayOptions {
  /** How the protocol's final events begin (`data: [DONE]` for OpenAI Chat, `event: message_stop` for Anthropic). */
  terminals: readonly string[];
  /** How the protocol's own in-band error events begin, if it has any (`event: error`). */
  errorMarkers?: readonly string[];
  /**
   * Events some servers send after the final one that say nothing about how the stream ended (a Chat-style
   * `data: [DONE]` after a Responses stream's `response.completed`): skipped, like comments, when reading it.
   */
  trailers?: readonly string[];
  /** Rewrites complete events before they are written. */
  rewriter?: EventRewriter;
}

export interface EventRewriter {
  /** Complete events in; the bytes to write out. */
  rewrite(events: Buffer): Buffer;
}

/** Writes `first` and then every chunk of `rest`. Returns when the upstream ends, fails or the client goes away. */
export async function relaySse(res: ServerResponse, first: Buffer, rest: AsyncIterator<Buffer>, options: RelayOptions): Promise<RelayResult> {
  const { terminals, rewriter } = options;
  const trailers = options.trailers ?? NO_TRAILERS;
  let pending: Buffer | undefined;
  let events = 0;
  /** The last event relayed that is not a comment (the chunk and its start in it): it tells how the stream ended. */
  let lastChunk: Buffer | undefined;
  let lastHeadAt = 0;
  // one loop, no promise per chunk
  let chunk = first;
  try {
    for (;;) {
      const data = pending ? Buffer.concat([pending, chunk]) : chunk;
      const boundary = lastEventBoundary(data);
      if (boundary < 0) pending = data;
      else {
        pending = boundary < data.length ? data.subarray(boundary) : undefined;
        const complete = boundary < data.length ? data.subarray(0, boundary) : data;
        events += countEvents(complete);
        const head = lastEventStart(complete, trailers);
        if (head >= 0) {
          lastChunk = complete;
          lastHeadAt = head;
        }
        const blocked = write(res, rewriter ? rewriter.rewrite(complete) : complete);
        if (blocked) await blocked;
      }
      if (res.destroyed) return { complete: false, events, error: 'client closed the stream' };
      const next = await rest.next();
      if (next.done) break;
      chunk = next.value;
    }
  } catch (error) {
    return { complete: false, events, error: streamFailureMessage(error) };
  }
  if (pending && startsWithAny(pending, 0, trailers)) {
    // an unterminated trailer: it goes out, and the event before it tells how the stream ended
    await write(res, rewriter ? rewriter.rewrite(pending) : pending);
  } else if (pending) {
    // an unterminated last event: send it as is only if it carries the terminal marker
    if (terminals.some((terminal) => pending!.includes(terminal))) {
      await write(res, rewriter ? rewriter.rewrite(pending) : pending);
      return { complete: true, events: events + 1 };
    }
    return { complete: false, events, error: 'upstream ended the stream in the middle of an event' };
  }
  if (lastChunk !== undefined && startsWithAny(lastChunk, lastHeadAt, terminals)) return { complete: true, events };
  if (lastChunk !== undefined && options.errorMarkers !== undefined && startsWithAny(lastChunk, lastHeadAt, options.errorMarkers)) return { complete: false, events, error: 'upstream ended the stream with an error event', upstreamErrorRelayed: true };
  return { complete: false, events, error: 'upstream ended the stream before its final event' };
}

const NO_TRAILERS: readonly string[] = [];

/** Where the last event in `events` (whole events) that is neither a comment nor a trailer starts, or -1. */
function lastEventStart(events: Buffer, trailers: readonly string[]): number {
  let end = events.length;
  while (end > 0) {
    let stop = end;
    while (stop > 0 && (events[stop - 1] === 0x0a || events[stop - 1] === 0x0d)) stop--;
    if (stop === 0) return -1;
    const previous = lastEventBoundary(events, stop);
    const from = previous < 0 ? 0 : previous;
    // a comment (`: keep-alive`) or a trailer says nothing about how the stream ended
    if (events[from] !== 0x3a && (trailers.length === 0 || !startsWithAny(events, from, trailers))) return from;
    end = from;
  }
  return -1;
}

/** `data` holds one of the (ASCII) `texts` at `at`. */
function startsWithAny(data: Buffer, at: number, texts: readonly string[]): boolean {
  for (const text of texts) if (startsAt(data, at, text)) return true;
  return false;
}

/** `data` holds the (ASCII) `text` at `at`. */
function startsAt(data: Buffer, at: number, text: string): boolean {
  if (at + text.length > data.length) return false;
  for (let i = 0; i < text.length; i++) if (data[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

function countEvents(data: Buffer): number {
  let n = 0;
  for (let i = data.indexOf(DATA_FIELD); i >= 0; i = data.indexOf(DATA_FIELD, i + DATA_FIELD.length)) n++;
  return n;
}
