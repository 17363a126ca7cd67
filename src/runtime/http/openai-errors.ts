/** OpenAI's error envelope, with the gateway's request id. Never carries a stack trace or a key. */

export type OpenAIErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'rate_limit_error'
  | 'upstream_error'
  | 'api_error';

const TYPE_BY_STATUS: Record<number, OpenAIErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
  502: 'upstream_error',
  503: 'upstream_error',
  504: 'upstream_error',
};

export interface GatewayError {
  status: number;
  message: string;
  code: string;
  type?: OpenAIErrorType;
  headers?: Record<string, string>;
}

export function openAIErrorBody(error: GatewayError, requestId: string): string {
  return JSON.stringify({
    error: {
      message: error.message,
      type: error.type ?? TYPE_BY_STATUS[error.status] ?? 'api_error',
      code: error.code,
      param: null,
      request_id: requestId,
    },
  });
}

/** The in-band error event that ends an OpenAI stream after its first byte went out. */
export function openAIStreamErrorEvent(message: string, requestId: string, model: string): string {
  const chunk = {
    id: requestId,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [{ index: 0, delta: {}, finish_reason: 'error' }],
    error: { message, type: 'upstream_error', code: 502, request_id: requestId },
  };
  return `data: ${JSON.stringify(chunk)}\n\n`;
}
