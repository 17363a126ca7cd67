/**
 * Answers of an upstream that speaks the client's protocol, relayed untouched: a JSON body (the
 * `model` renamed to the catalog id where the protocol does that) or an SSE stream cut only at event
 * boundaries and ended with the protocol's in-band error event when the upstream dies mid-way.
 */
import type { UpstreamBody } from '../upstream/http-transport.js';
import { errorKindOfStatus } from './error-envelope.js';
import { sendJson } from './respond.js';
import type { Answered, ServedAnswer } from './send-answer.js';
import { nativeUsageMeter } from './native-usage.js';
import { modelNameRewriter } from './served-model-name.js';
import { relaySse, write } from './sse-relay.js';

type Delivered = Pick<Answered, 'status' | 'error' | 'usage' | 'body'>;

export async function sendNativeJson(answer: ServedAnswer, kind: 'served' | 'returned', status: number, contentType: string | undefined, data: Buffer, attemptMs: number): Promise<Delivered> {
  const { res, client, servedModel } = answer;
  if (res.headersSent) {
    // keep-alives already committed a 200 stream: deliver the upstream's error in-band
    const message = errorMessageOf(data, status);
    await write(res, client.streamErrorEvent({ message, kind: errorKindOfStatus(status) }, answer.requestId, servedModel));
    res.end();
    return { status: 200, error: message };
  }
  if (kind !== 'served') {
    sendJson(res, status, data, { ...answer.headers, 'content-type': contentType ?? 'application/json' });
    return { status, error: errorMessageOf(data, status) };
  }
  const rename = client.native?.renamesModel ? modelNameRewriter(answer.upstreamModel, servedModel) : undefined;
  const meter = nativeUsageMeter(client.protocol, answer.costOf);
  const body = meter.json(rename ? rename(data) : data);
  const usage = meter.usage();
  answer.recordThroughput(usage?.outputTokens ?? outputTokensOf(body, client.native?.outputTokensField), attemptMs);
  // the answer's own headers: added to, not copied
  const headers = answer.headers;
  if (usage) headers['x-anyrouter-cost'] = String(answer.costOf(usage));
  sendJson(res, status, body, headers, true);
  return { status, body, ...(usage ? { usage } : {}) };
}

export async function relayNativeStream(answer: ServedAnswer, status: number, upstream: Extract<UpstreamBody, { kind: 'stream' }>): Promise<Delivered> {
  const { res, client } = answer;
  const native = client.native!;
  const rename = native.renamesModel ? modelNameRewriter(answer.upstreamModel, answer.servedModel) : undefined;
  const meter = nativeUsageMeter(client.protocol, answer.costOf);
  const started = answer.now();
  const relayed = await relaySse(res, upstream.first, upstream.rest, {
    terminal: native.streamTerminal,
    ...(native.streamErrorMarker !== undefined ? { errorMarker: native.streamErrorMarker } : {}),
    transform: rename ? (events) => meter.events(rename(events)) : meter.events,
  });
  const usage = meter.usage();
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
  return { status, ...(usage ? { usage } : {}), ...(relayed.complete ? {} : { error: relayed.error ?? 'upstream stream failed' }) };
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
