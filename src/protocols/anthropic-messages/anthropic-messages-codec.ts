/** Anthropic Messages: the client protocol of `POST /v1/messages` and the `anthropic` upstream type. */
import type { ProtocolCodec } from '../codec.js';
import { decodeAnthropicError, encodeAnthropicError } from './anthropic-error-envelope.js';
import { decodeAnthropicRequest } from './decode-anthropic-request.js';
import { decodeAnthropicResponse } from './decode-anthropic-response.js';
import { createAnthropicStreamDecoder } from './decode-anthropic-stream.js';
import { encodeAnthropicRequest } from './encode-anthropic-request.js';
import { encodeAnthropicResponse } from './encode-anthropic-response.js';
import { createAnthropicStreamEncoder } from './encode-anthropic-stream.js';

export const anthropicMessagesCodec: ProtocolCodec = {
  protocol: 'anthropic-messages',
  decodeRequest: decodeAnthropicRequest,
  encodeRequest: encodeAnthropicRequest,
  decodeResponse: decodeAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  createStreamDecoder: createAnthropicStreamDecoder,
  createStreamEncoder: createAnthropicStreamEncoder,
  decodeError: decodeAnthropicError,
  encodeError: encodeAnthropicError,
};
