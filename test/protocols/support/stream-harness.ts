/** Drives stream decoders and encoders over whole texts, optionally cut into byte chunks at given points. */
import { createParser } from 'eventsource-parser';
import type { CanonicalStreamEvent, StreamDecoder, StreamEncoder } from '../../../src/protocols/index.js';

export function decodeAll(decoder: StreamDecoder, sse: string, cuts: number[] = []): CanonicalStreamEvent[] {
  const bytes = new TextEncoder().encode(sse);
  const points = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].filter((p) => p > 0 && p < bytes.length).sort((a, b) => a - b);
  const events: CanonicalStreamEvent[] = [];
  let from = 0;
  for (const point of [...points, bytes.length]) {
    events.push(...decoder.push(bytes.subarray(from, point)));
    from = point;
  }
  events.push(...decoder.end());
  return events;
}

export function encodeAll(encoder: StreamEncoder, events: CanonicalStreamEvent[]): string {
  return events.map((event) => encoder.encode(event)).join('');
}

/** Each SSE event of a text, read with the same well-kept parser the decoders use. */
export function sseData(sse: string): Array<{ event?: string; data: string }> {
  const events: Array<{ event?: string; data: string }> = [];
  const parser = createParser({ onEvent: ({ event, data }) => events.push(event === undefined ? { data } : { event, data }) });
  parser.feed(sse);
  return events;
}

/** A fetch for the official SDKs that answers every call with `body`, recording the request it got. */
export function fetchAnswering(body: string, contentType: string, status = 200) {
  const calls: Array<{ url: string; body: unknown }> = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    calls.push({ url: String(input instanceof Request ? input.url : input), body: typeof init?.body === 'string' ? JSON.parse(init.body) : undefined });
    return new Response(body, { status, headers: { 'content-type': contentType } });
  };
  return { fetch, calls };
}
