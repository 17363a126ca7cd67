/** Reads the raw request body from the Node request, stopping at a size limit. */
import type { IncomingMessage } from 'node:http';

export type BodyResult = { ok: true; body: Buffer } | { ok: false; tooLarge: true } | { ok: false; tooLarge: false };

export async function readBody(request: IncomingMessage, limit: number): Promise<BodyResult> {
  const declared = Number(request.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    request.resume();
    return { ok: false, tooLarge: true };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        request.resume();
        return { ok: false, tooLarge: true };
      }
      chunks.push(chunk);
    }
  } catch {
    return { ok: false, tooLarge: false };
  }
  return { ok: true, body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks) };
}
