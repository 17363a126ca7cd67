/**
 * The `anthropic` upstream type (Messages API): `POST {baseUrl}/messages`, the key in `x-api-key`,
 * `anthropic-version: 2023-06-01` unless the client sent its own, and the client's `anthropic-beta`.
 */
import { headersFrom } from '../header-records.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Client headers an Anthropic upstream gets as they were sent (the API version and opted-in betas). */
export const ANTHROPIC_RELAYED_HEADERS = ['anthropic-version', 'anthropic-beta'] as const;

export const anthropicAdapter: UpstreamAdapter = {
  type: 'anthropic',
  protocol: 'anthropic-messages',
  path: () => '/messages',
  headers: ({ provider, key, stream, relayed }) => {
    const headers = headersFrom(provider.headers);
    headers['content-type'] = 'application/json';
    headers.accept = stream ? 'text/event-stream' : 'application/json';
    headers['anthropic-version'] = relayed['anthropic-version'] ?? provider.headers['anthropic-version'] ?? ANTHROPIC_VERSION;
    if (relayed['anthropic-beta'] !== undefined) headers['anthropic-beta'] = relayed['anthropic-beta'];
    headers['x-api-key'] = key.value ?? '';
    return headers;
  },
};

/** `POST {baseUrl}/messages/count_tokens`. */
export const ANTHROPIC_COUNT_TOKENS_PATH = '/messages/count_tokens';
