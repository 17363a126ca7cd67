/** Writing answers straight to the Node response (no Web Response conversion on the hot path). */
import type { ServerResponse } from 'node:http';
import { gatewayErrorBody, type ErrorEnvelope } from './error-envelope.js';
import type { GatewayError } from './openai-errors.js';

export function sendJson(res: ServerResponse, status: number, body: string | Buffer, headers: Record<string, string>): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) });
  res.end(body);
}

/** A gateway error in the client protocol's envelope, with the request id in the body and the header. */
export function sendGatewayError(res: ServerResponse, envelope: ErrorEnvelope, error: GatewayError, requestId: string, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, gatewayErrorBody(envelope, error, requestId), { ...headers, ...error.headers, 'x-anyrouter-request-id': requestId });
}

export function sendOpenAIError(res: ServerResponse, error: GatewayError, requestId: string, headers: Record<string, string> = {}): void {
  sendGatewayError(res, 'openai', error, requestId, headers);
}
