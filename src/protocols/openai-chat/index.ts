export { openAIChatCodec } from './openai-chat-codec.js';
export { decodeOpenAIChatRequest } from './decode-openai-chat-request.js';
export { encodeOpenAIChatRequest } from './encode-openai-chat-request.js';
export { decodeOpenAIChatResponse } from './decode-openai-chat-response.js';
export { encodeOpenAIChatResponse } from './encode-openai-chat-response.js';
export { createOpenAIChatStreamDecoder } from './decode-openai-chat-stream.js';
export { createOpenAIChatStreamEncoder } from './encode-openai-chat-stream.js';
export { decodeOpenAIError, encodeOpenAIError } from './openai-error-envelope.js';
export { stopReasonFromOpenAI, stopReasonToOpenAI } from './map-openai-finish-reason.js';
