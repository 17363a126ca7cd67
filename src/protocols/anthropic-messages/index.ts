export { anthropicMessagesCodec } from './anthropic-messages-codec.js';
export { decodeAnthropicRequest } from './decode-anthropic-request.js';
export { encodeAnthropicRequest } from './encode-anthropic-request.js';
export { decodeAnthropicResponse } from './decode-anthropic-response.js';
export { encodeAnthropicResponse } from './encode-anthropic-response.js';
export { createAnthropicStreamDecoder } from './decode-anthropic-stream.js';
export { createAnthropicStreamEncoder } from './encode-anthropic-stream.js';
export { decodeAnthropicError, encodeAnthropicError } from './anthropic-error-envelope.js';
export { stopReasonFromAnthropic, stopReasonToAnthropic } from './map-anthropic-stop-reason.js';
