/**
 * The `gemini` upstream type (Gemini API): `POST {baseUrl}/models/{model}:generateContent`, or
 * `:streamGenerateContent?alt=sse` for a stream, with the key in `x-goog-api-key` (never in the URL,
 * where it would end up in access logs).
 */
import { headersFrom } from '../header-records.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

export function geminiPath(model: string, stream: boolean): string {
  const name = encodeURIComponent(model.replace(/^models\//, ''));
  return stream ? `/models/${name}:streamGenerateContent?alt=sse` : `/models/${name}:generateContent`;
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
};
