export { openAIResponsesCodec } from './openai-responses-codec.js';
export { decodeResponsesRequest } from './decode-responses-request.js';
export { encodeResponsesRequest } from './encode-responses-request.js';
export { decodeResponsesResponse } from './decode-responses-response.js';
export { encodeResponsesResponse } from './encode-responses-response.js';
export { createResponsesStreamDecoder } from './decode-responses-stream.js';
export { createResponsesStreamEncoder } from './encode-responses-stream.js';
