/** Gemini `generateContent`: the `gemini` upstream type (and, symmetrically, a client protocol). */
import type { ProtocolCodec } from '../codec.js';
import { decodeGeminiRequest } from './decode-gemini-request.js';
import { decodeGeminiResponse } from './decode-gemini-response.js';
import { createGeminiStreamDecoder } from './decode-gemini-stream.js';
import { encodeGeminiRequest } from './encode-gemini-request.js';
import { encodeGeminiResponse } from './encode-gemini-response.js';
import { createGeminiStreamEncoder } from './encode-gemini-stream.js';
import { decodeGeminiError, encodeGeminiError } from './gemini-error-envelope.js';

export const geminiCodec: ProtocolCodec = {
  protocol: 'gemini',
  decodeRequest: decodeGeminiRequest,
  encodeRequest: encodeGeminiRequest,
  decodeResponse: decodeGeminiResponse,
  encodeResponse: encodeGeminiResponse,
  createStreamDecoder: createGeminiStreamDecoder,
  createStreamEncoder: createGeminiStreamEncoder,
  decodeError: decodeGeminiError,
  encodeError: encodeGeminiError,
};
