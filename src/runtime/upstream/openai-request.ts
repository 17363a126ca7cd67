/** The `openai` upstream type (any OpenAI-compatible API): `POST {baseUrl}/chat/completions` (and `/embeddings`), `Authorization: Bearer`. */
import { headersFrom } from '../header-records.js';
import type { ServeKey, ServeProvider } from '../routing-table.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

export function openAIHeaders(provider: ServeProvider, key: ServeKey, stream: boolean): Record<string, string> {
  const headers = headersFrom(provider.headers);
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'text/event-stream' : 'application/json';
  headers.authorization = `Bearer ${key.value ?? ''}`;
  return headers;
}

export const openAIAdapter: UpstreamAdapter = {
  type: 'openai',
  protocol: 'openai-chat',
  path: () => '/chat/completions',
  headers: ({ provider, key, stream }) => openAIHeaders(provider, key, stream),
  embeddings: { path: () => '/embeddings' },
};
