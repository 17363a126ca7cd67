/** The `openai` upstream type (any OpenAI-compatible API): `POST {baseUrl}/chat/completions`, `Authorization: Bearer`. */
import type { ServeKey, ServeProvider } from '../routing-table.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

export function openAIHeaders(provider: ServeProvider, key: ServeKey, stream: boolean): Record<string, string> {
  return {
    ...provider.headers,
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    authorization: `Bearer ${key.value ?? ''}`,
  };
}

export const openAIAdapter: UpstreamAdapter = {
  type: 'openai',
  protocol: 'openai-chat',
  path: () => '/chat/completions',
  headers: ({ provider, key, stream }) => openAIHeaders(provider, key, stream),
};
