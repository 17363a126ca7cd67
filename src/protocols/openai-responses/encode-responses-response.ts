/** Canonical response -> the response object a Responses client expects. */
import type { CanonicalResponse, JsonObject } from '../canonical.js';
import { outputItemsFor, responseObject } from './responses-output-items.js';

export function encodeResponsesResponse(response: CanonicalResponse): JsonObject {
  return responseObject({
    id: response.id,
    model: response.model,
    createdAt: response.created ?? Math.floor(Date.now() / 1000),
    output: outputItemsFor(response.content),
    stopReason: response.stopReason,
    usage: response.usage,
  });
}
