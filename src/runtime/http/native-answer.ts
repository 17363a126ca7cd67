/**
 * Answers of an upstream that speaks the client's protocol, relayed untouched: a JSON body (the
 * `model` renamed to the catalog id where the protocol does that) or an SSE stream cut only at event
 * boundaries and ended with the protocol's in-band error event when the upstream dies mid-way.
 */
import type { UpstreamBody } from '../upstream/http-transport.js';
import { errorKindOfStatus } from './error-envelope.js';
import { sendJson } from './respond.js';
import type { Answered, ServedAnswer } from './send-answer.js';
import { modelNameRewriter } from './served-model-name.js';
import { relaySse, write } from './sse-relay.js';

type Delivered = Pick<Answered, 'status' | 'error'>;

export async function sendNativeJson(answer: ServedAnswer, kind: 'served' | 'returned', status: number, contentType: string | undefined, data: Buffer, attemptMs: number): Promise<Delivered> {
  const { res, client, servedModel } = answer;
  if (res.headersSent) {
    // keep-alives already committed a 200 stream: deliver the upstream's error in-band
    const message = errorMessageOf(data, status);
    await write(res, client.streamErrorEvent({ message, kind: errorKindOfStatus(status) }, answer.requestId, servedModel));
    res.end();
    return { status: 200, error: message };
  }
  const rename = kind === 'served' && client.native?.renamesModel ? modelNameRewriter(answer.upstreamModel, servedModel) : undefined;
  const body = rename ? rename(data) : data;
  if (kind === 'served') answer.recordThroughput(outputTokensOf(body, client.native?.outputTokensField), attemptMs);
  sendJson(res, status, body, { ...answer.headers, 'content-type': contentType ?? 'application/json' });
  return kind === 'served' ? { status } : { status, error: errorMessageOf(data, status) };
}

export async function relayNativeStream(answer: ServedAnswer, status: number, upstream: Extract<UpstreamBody, { kind: 'stream' }>): Promise<Delivered> {
  const { res, client } = answer;
  const native = client.native!;
  const rename = native.renamesModel ? modelNameRewriter(answer.upstreamModel, answer.servedModel) : undefined;
  const started = answer.now();
  const relayed = await relaySse(res, upstream.first, upstream.rest, {
    terminal: native.streamTerminal,
    ...(native.streamErrorMarker !== undefined ? { errorMarker: native.streamErrorMarker } : {}),
    ...(rename ? { transform: rename } : {}),
  });
  if (relayed.complete) {
    upstream.done();
    answer.recordThroughput(relayed.events, answer.now() - started);
  } else {
    upstream.cancel();
    if (!res.destroyed && !relayed.upstreamErrorRelayed) {
      await write(res, client.streamErrorEvent({ message: relayed.error ?? 'upstream stream failed', kind: 'api' }, answer.requestId, answer.servedModel));
    }
  }
  res.end();
  return relayed.complete ? { status } : { status, error: relayed.error ?? 'upstream stream failed' };
}

/** The output token count of a JSON answer, read without parsing it (`completion_tokens`, `output_tokens`). */
function outputTokensOf(data: Buffer, field: string | undefined): number {
  if (field === undefined) return 0;
  const at = data.lastIndexOf(`"${field}"`);
  if (at < 0) return 0;
  const m = /^"[a-z_]+"\s*:\s*(\d+)/.exec(data.subarray(at, at + field.length + 24).toString('latin1'));
  return m ? Number(m[1]) : 0;
}

/** `error.message` of an OpenAI or Anthropic error envelope. */
function errorMessageOf(body: Buffer, status: number): string {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { error?: { message?: unknown } };
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
  } catch {
    // not JSON: fall through
  }
  return `upstream answered ${status}`;
}
