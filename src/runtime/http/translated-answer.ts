/**
 * Answers of an upstream whose wire format differs from the client's, translated back through the
 * protocol layer: a JSON body, an upstream request error in the client's envelope, or an SSE stream
 * re-encoded event by event (ending with the client protocol's in-band error when the upstream fails).
 */
import { createStreamTranslator, errorProtocolOf, translateError, translateResponse, type ChatProtocol, type StreamTranslator, type WireProtocol } from '../../protocols/index.js';
import { parseJson } from '../../protocols/json-reader.js';
import type { ClientToolNames } from '../../protocols/tool-names.js';
import type { UpstreamBody } from '../upstream/http-transport.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { sendGatewayError, sendJson } from './respond.js';
import type { Answered, ServedAnswer } from './send-answer.js';
import { streamFailureMessage, write } from './sse-relay.js';

type Delivered = Pick<Answered, 'status' | 'error' | 'usage' | 'body' | 'costUsd'>;

export function sendTranslatedJson(answer: ServedAnswer, upstream: WireProtocol, status: number, data: Buffer, attemptMs: number, toolNames: ClientToolNames | undefined): Delivered {
  const json = parseJson(data.toString('utf8'));
  if (json === undefined) {
    const message = 'the upstream answered with a body that is not JSON';
    sendGatewayError(answer.res, answer.client.envelope, { status: 502, code: 'upstream_invalid_response', message }, answer.requestId, answer.headers);
    return { status: 502, error: message };
  }
  const { canonical, body } = translateResponse(upstream, chatProtocolOf(answer.client), json, { model: answer.servedModel, clientModel: answer.servedModel, ...(toolNames ? { toolNames } : {}) });
  answer.recordThroughput(canonical.usage.outputTokens, attemptMs);
  const cost = answer.costOf(canonical.usage);
  // OpenRouter's shape: the cost rides in the OpenAI usage object
  const usage = (body as { usage?: unknown }).usage;
  if (answer.client.protocol === 'openai-chat' && usage !== null && typeof usage === 'object') (usage as Record<string, unknown>).cost = cost;
  const text = JSON.stringify(body);
  answer.headers['x-anyrouter-cost'] = String(cost);
  sendJson(answer.res, status, text, answer.headers, true);
  return { status, usage: canonical.usage, body: text, costUsd: cost };
}

/** An upstream's answer that the request itself is wrong (400, 404, 413, 422), in the client's envelope. */
export async function sendTranslatedError(answer: ServedAnswer, upstream: WireProtocol, status: number, data: Buffer): Promise<Delivered> {
  const { res, client } = answer;
  const text = data.toString('utf8');
  const { canonical, body } = translateError(upstream, errorProtocolOf(client.protocol), parseJson(text) ?? text, status, answer.requestId);
  if (res.headersSent) {
    // keep-alives already committed a 200 stream: deliver the upstream's error in-band
    await write(res, client.streamErrorEvent({ message: canonical.message, kind: canonical.kind }, answer.requestId, answer.servedModel));
    res.end();
    return { status: 200, error: canonical.message };
  }
  answer.headers['x-anyrouter-request-id'] = answer.requestId;
  sendJson(res, status, JSON.stringify(body), answer.headers, true);
  return { status, error: canonical.message };
}

export async function relayTranslatedStream(answer: ServedAnswer, upstream: WireProtocol, status: number, body: Extract<UpstreamBody, { kind: 'stream' }>, includeUsage: boolean, toolNames: ClientToolNames | undefined): Promise<Delivered> {
  const { res } = answer;
  const keyEchoes = answer.keyEchoes;
  const translator = createStreamTranslator(upstream, chatProtocolOf(answer.client), { model: answer.servedModel, requestId: answer.requestId, includeUsage, upstreamErrorText: (message) => keyEchoes.redactText(message), ...(toolNames ? { toolNames } : {}) });
  const started = answer.now();
  const failure = await pipeTranslated(answer, body, translator);
  if (failure === undefined) body.done();
  else body.cancel();
  const usage = translator.response().usage;
  answer.recordThroughput(usage.outputTokens, answer.now() - started);
  res.end();
  return failure === undefined ? { status, usage } : { status, usage, error: failure };
}

/** Feeds the upstream's chunks through the translator to the client; returns what failed, if anything. */
async function pipeTranslated(answer: ServedAnswer, body: Extract<UpstreamBody, { kind: 'stream' }>, translator: StreamTranslator): Promise<string | undefined> {
  const { res } = answer;
  const send = async (text: string) => {
    if (text !== '') await write(res, text);
  };
  try {
    await send(translator.push(body.first));
    for (;;) {
      if (res.destroyed) return 'client closed the stream';
      const next = await body.rest.next();
      if (next.done) break;
      await send(translator.push(next.value));
    }
  } catch (error) {
    const message = streamFailureMessage(error);
    await send(translator.end(message));
    return message;
  }
  await send(translator.end());
  return translator.error;
}


/** A chat client's protocol: embeddings answers are translated in translated-embeddings.ts, never here. */
function chatProtocolOf(client: ClientProtocolSpec): ChatProtocol {
  if (client.protocol === 'openai-embeddings') throw new Error('an embeddings answer is not a chat translation');
  return client.protocol;
}
