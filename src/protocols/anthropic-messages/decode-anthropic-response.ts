/** An Anthropic upstream's Message JSON -> canonical response. */
import type { AssistantContentPart, CanonicalResponse } from '../canonical.js';
import type { DecodeContext } from '../codec.js';
import { generateId } from '../generate-id.js';
import { arrayAt, objectAt, stringAt } from '../json-reader.js';
import { decodeAssistantBlock } from './anthropic-content.js';
import { usageFromAnthropic } from './anthropic-usage.js';
import { stopReasonFromAnthropic } from './map-anthropic-stop-reason.js';

export function decodeAnthropicResponse(body: unknown, context: DecodeContext = {}): CanonicalResponse {
  const message = objectAt(body) ?? {};
  const content: AssistantContentPart[] = [];
  for (const value of arrayAt(message.content)) {
    const part = decodeAssistantBlock(objectAt(value) ?? {});
    if (part) content.push(part);
  }
  const usage = usageFromAnthropic(message.usage);
  const response: CanonicalResponse = {
    id: stringAt(message.id) ?? generateId('msg_'),
    model: stringAt(message.model) ?? context.model ?? '',
    content,
    stopReason: stopReasonFromAnthropic(message.stop_reason),
    usage: { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0, ...usage },
  };
  const stopSequence = stringAt(message.stop_sequence);
  if (stopSequence !== undefined) response.stopSequence = stopSequence;
  return response;
}
