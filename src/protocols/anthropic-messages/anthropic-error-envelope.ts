/** Anthropic's error envelope `{type:'error', error:{type, message}}` (also the data of a mid-stream `error` event). */
import type { CanonicalError, ErrorKind, JsonObject } from '../canonical.js';
import { errorKindForStatus } from '../error-kind.js';
import { objectAt, stringAt } from '../json-reader.js';

const TYPE_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'request_too_large',
  rate_limit: 'rate_limit_error',
  overloaded: 'overloaded_error',
  timeout: 'timeout_error',
  api: 'api_error',
};

const KIND_BY_TYPE: Record<string, ErrorKind> = Object.fromEntries(Object.entries(TYPE_BY_KIND).map(([kind, type]) => [type, kind as ErrorKind]));

export function anthropicErrorType(kind: ErrorKind): string {
  return TYPE_BY_KIND[kind];
}

export function errorKindFromAnthropicType(type: unknown): ErrorKind | undefined {
  return typeof type === 'string' ? KIND_BY_TYPE[type] : undefined;
}

export function decodeAnthropicError(body: unknown, status: number): CanonicalError {
  const error = objectAt(objectAt(body)?.error);
  return {
    status,
    kind: errorKindFromAnthropicType(error?.type) ?? errorKindForStatus(status),
    message: stringAt(error?.message) ?? `upstream answered ${status}`,
  };
}

export function encodeAnthropicError(error: CanonicalError): JsonObject {
  const envelope: JsonObject = { type: 'error', error: { type: TYPE_BY_KIND[error.kind], message: error.message } };
  if (error.requestId !== undefined) envelope.request_id = error.requestId;
  return envelope;
}
