/** Google's error envelope `{error:{code, message, status}}` (sometimes wrapped in an array). */
import type { CanonicalError, ErrorKind, JsonObject } from '../canonical.js';
import { errorKindForStatus } from '../error-kind.js';
import { arrayAt, objectAt, stringAt } from '../json-reader.js';

const STATUS_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'INVALID_ARGUMENT',
  authentication: 'UNAUTHENTICATED',
  permission: 'PERMISSION_DENIED',
  not_found: 'NOT_FOUND',
  request_too_large: 'INVALID_ARGUMENT',
  rate_limit: 'RESOURCE_EXHAUSTED',
  overloaded: 'UNAVAILABLE',
  timeout: 'DEADLINE_EXCEEDED',
  api: 'INTERNAL',
};

const KIND_BY_STATUS: Record<string, ErrorKind> = {
  INVALID_ARGUMENT: 'invalid_request',
  FAILED_PRECONDITION: 'invalid_request',
  UNAUTHENTICATED: 'authentication',
  PERMISSION_DENIED: 'permission',
  NOT_FOUND: 'not_found',
  RESOURCE_EXHAUSTED: 'rate_limit',
  UNAVAILABLE: 'overloaded',
  DEADLINE_EXCEEDED: 'timeout',
  INTERNAL: 'api',
};

export function geminiErrorKind(error: unknown): ErrorKind | undefined {
  const status = stringAt(objectAt(error)?.status);
  return status !== undefined ? KIND_BY_STATUS[status] : undefined;
}

export function decodeGeminiError(body: unknown, status: number): CanonicalError {
  const envelope = objectAt(body) ?? objectAt(arrayAt(body)[0]);
  const error = objectAt(envelope?.error);
  return { status, kind: geminiErrorKind(error) ?? errorKindForStatus(status), message: stringAt(error?.message) ?? `upstream answered ${status}` };
}

export function encodeGeminiError(error: CanonicalError): JsonObject {
  return { error: { code: error.status, message: error.message, status: STATUS_BY_KIND[error.kind] } };
}
