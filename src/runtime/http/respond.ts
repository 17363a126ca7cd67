/** Writing answers straight to the Node response (no Web Response conversion on the hot path). */
import type { ServerResponse } from 'node:http';
import { gatewayErrorBody, type ErrorEnvelope } from './error-envelope.js';
import type { GatewayError } from './openai-errors.js';
import { headersFrom } from '../header-records.js';

/** `headers` are copied, unless `owned` says this answer built them and they may be added to. */
export function sendJson(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>, owned = false): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const out = owned ? headers : headersFrom(headers);
  out['content-type'] = 'application/json';
  out['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, out);
  res.end(body);
}

/** A gateway error in the client protocol's envelope, with the request id in the body and the header. */
export function sendGatewayError(res: ServerResponse, envelope: ErrorEnvelope, error: GatewayError, requestId: string, headers: Record<string, string> = {}): void {
  const out = headersFrom(headers, error.headers);
  out['x-anyrouter-request-id'] = requestId;
  sendJson(res, error.status, gatewayErrorBody(envelope, error, requestId), out, true);
}

export function sendOpenAIError(res: ServerResponse, error: GatewayError, requestId: string, headers: Record<string, string> = {}): void {
  sendGatewayError(res, 'openai', error, requestId, headers);
}
