/** The request to an OpenAI-compatible upstream: URL path, headers, and the body with the upstream's model name. */
import type { ServeKey, ServeProvider } from '../routing-table.js';

export function openAIHeaders(provider: ServeProvider, key: ServeKey, stream: boolean): Record<string, string> {
  return {
    ...provider.headers,
    'content-type': 'application/json',
    accept: stream ? 'text/event-stream' : 'application/json',
    authorization: `Bearer ${key.value ?? ''}`,
  };
}

/**
 * The body for one upstream: the client's original bytes when the model name already matches,
 * otherwise the parsed body with `model` replaced (memoised per model name within a request).
 */
export function bodyForModel(raw: Buffer, parsed: Record<string, unknown>, cache: Map<string, string>): (model: string) => Buffer | string {
  return (model) => {
    if (parsed.model === model) return raw;
    let body = cache.get(model);
    if (body === undefined) {
      body = JSON.stringify({ ...parsed, model });
      cache.set(model, body);
    }
    return body;
  };
}
