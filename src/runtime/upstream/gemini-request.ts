/**
 * The `gemini` upstream type (Gemini API): `POST {baseUrl}/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` for a stream (embeddings: `:embedContent`, `:batchEmbedContents`), with the key in `x-goog-api-key` (never in the URL,
 * where it would end up in access logs).
 */
import { decodeGeminiEmbeddingsResponse, encodeGeminiEmbeddingsRequest } from '../../protocols/index.js';
import { headersFrom } from '../header-records.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

/** `/models/{model}`, the model's name escaped (and without a `models/` prefix). */
function modelPath(model: string): string {
  return `/models/${encodeURIComponent(model.replace(/^models\//, ''))}`;
}

export function geminiPath(model: string, stream: boolean): string {
  return modelPath(model) + (stream ? ':streamGenerateContent?alt=sse' : ':generateContent');
}

export const geminiAdapter: UpstreamAdapter = {
  type: 'gemini',
  protocol: 'gemini',
  path: geminiPath,
  headers: ({ provider, key, stream }) => {
    const headers = headersFrom(provider.headers);
    headers['content-type'] = 'application/json';
    headers.accept = stream ? 'text/event-stream' : 'application/json';
    headers['x-goog-api-key'] = key.value ?? '';
    return headers;
  },
  embeddings: {
    path: (model, batch) => modelPath(model) + (batch ? ':batchEmbedContents' : ':embedContent'),
    encode: encodeGeminiEmbeddingsRequest,
    decode: decodeGeminiEmbeddingsResponse,
  },
};
