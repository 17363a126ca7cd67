/** OpenAI Chat Completions: the client protocol of `POST /v1/chat/completions` and the `openai` upstream type. */
import type { ProtocolCodec } from '../codec.js';
import { createOpenAIChatStreamDecoder } from './decode-openai-chat-stream.js';
import { decodeOpenAIChatRequest } from './decode-openai-chat-request.js';
import { decodeOpenAIChatResponse } from './decode-openai-chat-response.js';
import { createOpenAIChatStreamEncoder } from './encode-openai-chat-stream.js';
import { encodeOpenAIChatRequest } from './encode-openai-chat-request.js';
import { encodeOpenAIChatResponse } from './encode-openai-chat-response.js';
import { decodeOpenAIError, encodeOpenAIError } from './openai-error-envelope.js';

export const openAIChatCodec: ProtocolCodec = {
  protocol: 'openai-chat',
  decodeRequest: decodeOpenAIChatRequest,
  encodeRequest: encodeOpenAIChatRequest,
  decodeResponse: decodeOpenAIChatResponse,
  encodeResponse: encodeOpenAIChatResponse,
  createStreamDecoder: createOpenAIChatStreamDecoder,
  createStreamEncoder: createOpenAIChatStreamEncoder,
  decodeError: decodeOpenAIError,
  encodeError: encodeOpenAIError,
};
