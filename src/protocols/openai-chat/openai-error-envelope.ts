/** OpenAI's error envelope `{error:{message,type,code,param}}`, shared by Chat Completions and Responses. */
import type { CanonicalError, ErrorKind, JsonObject } from '../canonical.js';
import { errorKindForStatus } from '../error-kind.js';
import { objectAt, stringAt } from '../json-reader.js';

const TYPE_BY_KIND: Record<ErrorKind, string> = {
  invalid_request: 'invalid_request_error',
  authentication: 'authentication_error',
  permission: 'permission_error',
  not_found: 'not_found_error',
  request_too_large: 'invalid_request_error',
  rate_limit: 'rate_limit_error',
  overloaded: 'server_error',
  timeout: 'timeout_error',
  api: 'api_error',
};

const KIND_BY_TYPE: Record<string, ErrorKind> = {
  invalid_request_error: 'invalid_request',
  authentication_error: 'authentication',
  permission_error: 'permission',
  not_found_error: 'not_found',
  rate_limit_error: 'rate_limit',
  insufficient_quota: 'rate_limit',
  timeout_error: 'timeout',
};

export function decodeOpenAIError(body: unknown, status: number): CanonicalError {
  const error = objectAt(objectAt(body)?.error);
  const type = stringAt(error?.type);
  const code = error?.code;
  const result: CanonicalError = {
    status,
    kind: (type !== undefined ? KIND_BY_TYPE[type] : undefined) ?? errorKindForStatus(status),
    message: stringAt(error?.message) ?? stringAt(objectAt(body)?.message) ?? `upstream answered ${status}`,
  };
  if (typeof code === 'string' || typeof code === 'number') result.code = String(code);
  return result;
}

export function encodeOpenAIError(error: CanonicalError): JsonObject {
  const envelope: JsonObject = { message: error.message, type: TYPE_BY_KIND[error.kind], code: error.code ?? null, param: null };
  if (error.requestId !== undefined) envelope.request_id = error.requestId;
  return { error: envelope };
}
