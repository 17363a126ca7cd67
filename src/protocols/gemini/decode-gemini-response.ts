/** A Gemini `GenerateContentResponse` -> canonical response (first candidate). */
import type { AssistantContentPart, CanonicalResponse } from '../canonical.js';
import type { DecodeContext } from '../codec.js';
import { generateId } from '../generate-id.js';
import { arrayAt, objectAt, stringAt } from '../json-reader.js';
import { decodeModelPart } from './gemini-parts.js';
import { usageFromGemini } from './gemini-usage.js';
import { stopReasonFromGemini } from './map-gemini-finish-reason.js';

export function decodeGeminiResponse(body: unknown, context: DecodeContext = {}): CanonicalResponse {
  const response = objectAt(body) ?? {};
  const candidate = objectAt(arrayAt(response.candidates)[0]);
  const content: AssistantContentPart[] = [];
  for (const value of arrayAt(objectAt(candidate?.content)?.parts)) {
    const part = decodeModelPart(objectAt(value) ?? {});
    if (part) content.push(part);
  }
  // a blocked prompt has no candidate at all, only promptFeedback.blockReason
  const blocked = !candidate && objectAt(response.promptFeedback)?.blockReason !== undefined;
  return {
    id: stringAt(response.responseId) ?? generateId('gen-'),
    model: stringAt(response.modelVersion) ?? context.model ?? '',
    content,
    stopReason: blocked ? 'content_filter' : stopReasonFromGemini(candidate?.finishReason, content.some((p) => p.type === 'tool_call')),
    usage: usageFromGemini(response.usageMetadata) ?? { inputTokens: 0, outputTokens: 0 },
  };
}
