/**
 * A copy of what one response sends (status, headers, body bytes), for the response cache: the response's
 * writeHead, write and end are wrapped on that response alone, only for requests that will be cached.
 */
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

/** Headers that belong to one request, not to the answer: never stored, never replayed. */
const PER_REQUEST = new Set(['x-anyrouter-request-id', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'x-anyrouter-cache']);

export class AnswerCapture {
  status = 0;
  readonly headers: Record<string, string> = {};
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  /** More than `limit` bytes went out: not storable. */
  overflow = false;

  constructor(private readonly limit: number) {}

  static attach(res: ServerResponse, limit: number): AnswerCapture {
    const capture = new AnswerCapture(limit);
    const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
    const write = res.write.bind(res) as (...args: unknown[]) => boolean;
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.writeHead = ((status: number, ...rest: unknown[]) => {
      capture.status = status;
      const headers = rest.find((r) => r !== null && typeof r === 'object') as OutgoingHttpHeaders | undefined;
      if (headers) capture.keepHeaders(headers);
      return writeHead(status, ...rest);
    }) as ServerResponse['writeHead'];
    res.write = ((chunk: unknown, ...rest: unknown[]) => {
      capture.add(chunk);
      return write(chunk, ...rest);
    }) as ServerResponse['write'];
    res.end = ((chunk?: unknown, ...rest: unknown[]) => {
      if (chunk !== undefined && typeof chunk !== 'function') capture.add(chunk);
      return end(chunk, ...rest);
    }) as ServerResponse['end'];
    return capture;
  }

  body(): Buffer {
    return Buffer.concat(this.chunks, this.bytes);
  }

  private keepHeaders(headers: OutgoingHttpHeaders): void {
    for (const [name, value] of Object.entries(headers)) {
      const lower = name.toLowerCase();
      if (value === undefined || PER_REQUEST.has(lower)) continue;
      this.headers[lower] = Array.isArray(value) ? value.join(', ') : String(value);
    }
  }

  private add(chunk: unknown): void {
    if (this.overflow || chunk === undefined || chunk === null) return;
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk instanceof Uint8Array ? Buffer.from(chunk) : undefined;
    if (buffer === undefined) return;
    this.bytes += buffer.byteLength;
    if (this.bytes > this.limit) {
      this.overflow = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(buffer);
  }
}
