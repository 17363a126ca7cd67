/** Canonical response -> the Message JSON an Anthropic client expects. */
import type { CanonicalResponse, JsonObject } from '../canonical.js';
import { encodeAssistantPart } from './anthropic-content.js';
import { usageToAnthropic } from './anthropic-usage.js';
import { stopReasonToAnthropic } from './map-anthropic-stop-reason.js';

export function encodeAnthropicResponse(response: CanonicalResponse): JsonObject {
  const content: JsonObject[] = [];
  for (const part of response.content) {
    // thinking from other providers is left out: it has no valid signature, and the client would send it back
    const block = encodeAssistantPart(part);
    if (block) content.push(block);
  }
  return {
    id: response.id,
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: stopReasonToAnthropic(response.stopReason, response.stopSequence),
    stop_sequence: response.stopSequence ?? null,
    usage: usageToAnthropic(response.usage),
  };
}
