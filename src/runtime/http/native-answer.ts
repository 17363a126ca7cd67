/**
 * Answers of an upstream that speaks the client's protocol, relayed untouched: a JSON body (the
 * `model` renamed to the catalog id where the protocol does that) or an SSE stream cut only at event
 * boundaries and ended with the protocol's in-band error event when the upstream dies mid-way.
 */
import type { UpstreamBody } from '../upstream/http-transport.js';
import { ByteEdits } from './byte-edits.js';
import type { KeyEchoRedactor } from './key-echo-redaction.js';
import { errorKindOfStatus } from './error-envelope.js';
import { sendJson } from './respond.js';
import type { Answered, ServedAnswer } from './send-answer.js';
import { UsageMeter } from './native-usage.js';
import { modelMember, renameModelFields, renameModelFieldsAt } from './served-model-name.js';
import { relaySse, write, type EventRewriter } from './sse-relay.js';

type Delivered = Pick<Answered, 'status' | 'error' | 'usage' | 'body' | 'costUsd'>;

/** One scratch list of edits: each rewrite collects and applies its edits without an await in between. */
const edits = new ByteEdits();

/**
 * In every protocol's in-band error event (`data: {"error":...}`, Anthropic's `event: error`): events
 * holding it are checked for echoed provider keys; others go out untouched, unread.
 */
const ERROR_MARK = Buffer.from('error');

/** What a relayed answer gets on its way: its usage read (and, for OpenAI, priced into it) and the served model's name put in. */
export class NativeRewriter implements EventRewriter {
  readonly meter: UsageMeter;
  /** `"model":"<catalog id>"`, when the protocol renames and the upstream's name differs. */
  private readonly modelName: Buffer | undefined;
  /** For a stream: its in-band error events are redacted. */
  private readonly keyEchoes: KeyEchoRedactor | undefined;
  /** The nesting of the answer's own `model` member, where only that one is renamed. */
  private readonly modelDepth: number | undefined;

  constructor(answer: ServedAnswer, stream = false) {
    this.meter = new UsageMeter(answer.client.protocol, answer);
    this.modelName = answer.client.native?.renamesModel && answer.upstreamModel !== answer.servedModel ? modelMember(answer.servedModel) : undefined;
    this.keyEchoes = stream ? answer.keyEchoes : undefined;
    const depth = answer.client.native?.modelMemberDepth;
    this.modelDepth = depth === undefined ? undefined : stream ? depth.stream : depth.json;
  }

  /** A JSON answer, or complete SSE events: the bytes to send. */
  rewrite(data: Buffer): Buffer {
    if (this.keyEchoes !== undefined && data.indexOf(ERROR_MARK) >= 0) data = this.keyEchoes.redactEvents(data);
    edits.clear();
    if (this.modelName !== undefined) {
      if (this.modelDepth === undefined) renameModelFields(data, this.modelName, edits);
      else renameModelFieldsAt(data, this.modelName, edits, this.modelDepth);
    }
    this.meter.read(data, edits);
    return edits.apply(data);
  }
}

export async function sendNativeJson(answer: ServedAnswer, kind: 'served' | 'returned', status: number, data: Buffer, attemptMs: number): Promise<Delivered> {
  const { res, client, servedModel } = answer;
  if (res.headersSent) {
    // keep-alives already committed a 200 stream: deliver the upstream's error in-band
    const message = errorMessageOf(data, status);
    await write(res, client.streamErrorEvent({ message, kind: errorKindOfStatus(status) }, answer.requestId, servedModel));
    res.end();
    return { status: 200, error: message };
  }
  if (kind !== 'served') {
    sendJson(res, status, data, answer.headers, true);
    return { status, error: errorMessageOf(data, status) };
  }
  const rewriter = new NativeRewriter(answer);
  const body = rewriter.rewrite(data);
  const usage = rewriter.meter.usage();
  answer.recordThroughput(usage?.outputTokens ?? outputTokensOf(body, client.native?.outputTokensField), attemptMs);
  // the answer's own headers: added to, not copied
  const headers = answer.headers;
  if (!usage) {
    sendJson(res, status, body, headers, true);
    return { status, body };
  }
  const costUsd = rewriter.meter.cost() ?? answer.costOf(usage);
  headers['x-anyrouter-cost'] = String(costUsd);
  sendJson(res, status, body, headers, true);
  return { status, body, usage, costUsd };
}

export async function relayNativeStream(answer: ServedAnswer, status: number, upstream: Extract<UpstreamBody, { kind: 'stream' }>): Promise<Delivered> {
  const { res, client } = answer;
  const native = client.native!;
  const rewriter = new NativeRewriter(answer, true);
  const started = answer.now();
  const relayed = await relaySse(res, upstream.first, upstream.rest, {
    terminals: native.streamTerminals,
    ...(native.streamErrorMarkers !== undefined ? { errorMarkers: native.streamErrorMarkers } : {}),
    ...(native.streamTrailers !== undefined ? { trailers: native.streamTrailers } : {}),
    rewriter,
  });
  const usage = rewriter.meter.usage();
  if (relayed.complete) {
    upstream.done();
    answer.recordThroughput(relayed.events, answer.now() - started);
  } else {
    upstream.cancel();
    if (!res.destroyed && !relayed.upstreamErrorRelayed) {
      const error = { message: relayed.error ?? 'upstream stream failed', kind: 'api' } as const;
      // once the upstream's own start went out, a protocol that has one gets the event that ends a started stream
      const cut = relayed.events > 0 && native.streamCutEvent !== undefined;
      await write(res, cut ? native.streamCutEvent!(error, answer.servedModel, relayed.events) : client.streamErrorEvent(error, answer.requestId, answer.servedModel));
    }
  }
  res.end();
  return { status, ...(usage ? { usage } : {}), ...(relayed.complete ? {} : { error: relayed.error ?? 'upstream stream failed' }) };
}

/** The output token count of a JSON answer, read without parsing it (`completion_tokens`, `output_tokens`). */
function outputTokensOf(data: Buffer, field: string | undefined): number {
  if (field === undefined) return 0;
  const at = data.lastIndexOf(quotedKey(field));
  if (at < 0) return 0;
  const m = /^"[a-z_]+"\s*:\s*(\d+)/.exec(data.subarray(at, at + field.length + 24).toString('latin1'));
  return m ? Number(m[1]) : 0;
}

const quotedKeys = new Map<string, Buffer>();

/** `"field"` as bytes (a protocol's few field names). */
function quotedKey(field: string): Buffer {
  let key = quotedKeys.get(field);
  if (key === undefined) quotedKeys.set(field, (key = Buffer.from(`"${field}"`, 'latin1')));
  return key;
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
