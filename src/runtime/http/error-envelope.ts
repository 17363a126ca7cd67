/**
 * The two error envelopes clients get: OpenAI's `{error:{message,type,code,param,request_id}}` (Chat
 * Completions and Responses) and Anthropic's `{type:"error",error:{type,message},request_id}` (Messages).
 * Both carry the gateway's request id; neither ever carries a stack trace or a key.
 */
import { anthropicMessagesCodec, errorKindForStatus, type ErrorKind } from '../../protocols/index.js';
import { formatSseEvent } from '../../protocols/sse/format-sse-event.js';
import { openAIErrorBody, type GatewayError } from './openai-errors.js';

export type ErrorEnvelope = 'openai' | 'anthropic';

export function gatewayErrorBody(envelope: ErrorEnvelope, error: GatewayError, requestId: string): string {
  return envelope === 'anthropic' ? anthropicErrorBody(error, requestId) : openAIErrorBody(error, requestId);
}

/** The error kind of a gateway status; a 4xx the protocol layer has no name for is the request's fault. */
export function errorKindOfStatus(status: number): ErrorKind {
  const kind = errorKindForStatus(status);
  return kind === 'api' && status >= 400 && status < 500 ? 'invalid_request' : kind;
}

export function anthropicErrorBody(error: GatewayError, requestId: string): string {
  return JSON.stringify(anthropicMessagesCodec.encodeError({ status: error.status, kind: errorKindOfStatus(error.status), message: error.message, requestId }));
}

/** Anthropic's mid-stream `event: error`: the SDKs throw it as an APIError of its type. */
export function anthropicStreamErrorEvent(error: { message: string; kind: ErrorKind }, requestId: string): string {
  return formatSseEvent(anthropicMessagesCodec.encodeError({ status: 0, kind: error.kind, message: error.message, requestId }), 'error');
}
