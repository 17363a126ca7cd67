/** OpenAI Responses (stateless): the client protocol of `POST /v1/responses`; usable as an upstream protocol too. */
import type { ProtocolCodec } from '../codec.js';
import { decodeOpenAIError, encodeOpenAIError } from '../openai-chat/openai-error-envelope.js';
import { decodeResponsesRequest } from './decode-responses-request.js';
import { decodeResponsesResponse } from './decode-responses-response.js';
import { createResponsesStreamDecoder } from './decode-responses-stream.js';
import { encodeResponsesRequest } from './encode-responses-request.js';
import { encodeResponsesResponse } from './encode-responses-response.js';
import { createResponsesStreamEncoder } from './encode-responses-stream.js';

export const openAIResponsesCodec: ProtocolCodec = {
  protocol: 'openai-responses',
  decodeRequest: decodeResponsesRequest,
  encodeRequest: encodeResponsesRequest,
  decodeResponse: decodeResponsesResponse,
  encodeResponse: encodeResponsesResponse,
  createStreamDecoder: createResponsesStreamDecoder,
  createStreamEncoder: createResponsesStreamEncoder,
  decodeError: decodeOpenAIError,
  encodeError: encodeOpenAIError,
};
