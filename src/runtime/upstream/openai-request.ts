/** The headers of a request to an OpenAI-compatible upstream. */
import type { ServeKey, ServeProvider } from '../routing-table.js';

export function openAIHeaders(provider: ServeProvider, key: ServeKey, stream: boolean): Record<string, string> {
  return {
    ...provider.headers,
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    authorization: `Bearer ${key.value ?? ''}`,
  };
}
