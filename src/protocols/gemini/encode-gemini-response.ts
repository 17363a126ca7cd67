/** Canonical response -> a Gemini `GenerateContentResponse`. */
import type { CanonicalResponse, JsonObject } from '../canonical.js';
import { encodeModelPart } from './gemini-parts.js';
import { usageToGemini } from './gemini-usage.js';
import { stopReasonToGemini } from './map-gemini-finish-reason.js';

export function encodeGeminiResponse(response: CanonicalResponse): JsonObject {
  const parts: JsonObject[] = [];
  for (const part of response.content) {
    const encoded = part.type === 'thinking' ? { text: part.text, thought: true } : encodeModelPart(part);
    if (encoded) parts.push(encoded);
  }
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: stopReasonToGemini(response.stopReason), index: 0 }],
    usageMetadata: usageToGemini(response.usage),
    modelVersion: response.model,
    responseId: response.id,
  };
}
