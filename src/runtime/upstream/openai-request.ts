/** The `openai` upstream type (any OpenAI-compatible API): `POST {baseUrl}/chat/completions` (and `/embeddings`), `Authorization: Bearer`. */
import { headersFrom } from '../header-records.js';
import type { ServeKey, ServeProvider } from '../routing-table.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

/**
 * Client headers an `openai` upstream gets on a native path (Chat Completions, Responses), as they were sent:
 * the betas the client opted into (`OpenAI-Beta`), what Codex names its session and itself with (`session_id`,
 * `conversation_id`, `originator`, `version`; OpenAI routes prompt caching by the session), and the SDK's own
 * request id. Never credentials (`authorization`, `cookie`), hop-by-hop headers or the gateway's `x-anyrouter-*`;
 * a header the provider's config sets wins over the client's.
 */
export const OPENAI_RELAYED_HEADERS = ['openai-beta', 'session_id', 'conversation_id', 'originator', 'version', 'x-client-request-id'] as const;

export function openAIHeaders(provider: ServeProvider, key: ServeKey, stream: boolean, relayed?: Readonly<Record<string, string>>): Record<string, string> {
  const headers = headersFrom(provider.headers);
  if (relayed !== undefined) for (const name in relayed) if (!hasHeader(provider.headers, name)) headers[name] = relayed[name]!;
  headers['content-type'] = 'application/json';
  headers.accept = stream ? 'text/event-stream' : 'application/json';
  headers.authorization = `Bearer ${key.value ?? ''}`;
  return headers;
}

export const openAIAdapter: UpstreamAdapter = {
  type: 'openai',
  protocol: 'openai-chat',
  path: () => '/chat/completions',
  headers: ({ provider, key, stream, relayed }) => openAIHeaders(provider, key, stream, relayed),
  embeddings: { path: () => '/embeddings' },
};

/** The provider's config names the header (in any case). */
function hasHeader(headers: Readonly<Record<string, string>>, lowercase: string): boolean {
  for (const name in headers) if (name.toLowerCase() === lowercase) return true;
  return false;
}
