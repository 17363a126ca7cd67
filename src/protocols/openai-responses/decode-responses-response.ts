/** A Responses upstream's response object -> canonical response. */
import type { AssistantContentPart, CanonicalResponse } from '../canonical.js';
import type { DecodeContext } from '../codec.js';
import { generateId } from '../generate-id.js';
import { arrayAt, numberAt, objectAt, stringAt } from '../json-reader.js';
import { stopReasonFromStatus } from './responses-status.js';
import { usageFromResponses } from './responses-usage.js';

export function decodeResponsesResponse(body: unknown, context: DecodeContext = {}): CanonicalResponse {
  const response = objectAt(body) ?? {};
  const content: AssistantContentPart[] = [];
  for (const value of arrayAt(response.output)) {
    const item = objectAt(value) ?? {};
    if (item.type === 'message') {
      for (const partValue of arrayAt(item.content)) {
        const part = objectAt(partValue);
        const text = stringAt(part?.text) ?? stringAt(part?.refusal);
        if (text !== undefined) content.push({ type: 'text', text });
      }
    } else if (item.type === 'function_call') {
      content.push({ type: 'tool_call', id: stringAt(item.call_id) ?? generateId('call_'), name: stringAt(item.name) ?? '', arguments: stringAt(item.arguments) ?? '' });
    } else if (item.type === 'reasoning') {
      const text = arrayAt(item.summary).map((s) => stringAt(objectAt(s)?.text) ?? '').join('\n');
      const signature = stringAt(item.encrypted_content);
      content.push({ type: 'thinking', text, ...(signature ? { signature } : {}), origin: 'openai-responses' });
    }
  }
  const result: CanonicalResponse = {
    id: stringAt(response.id) ?? generateId('resp_'),
    model: stringAt(response.model) ?? context.model ?? '',
    content,
    stopReason: stopReasonFromStatus(response.status, response.incomplete_details, content.some((p) => p.type === 'tool_call')),
    usage: usageFromResponses(response.usage) ?? { inputTokens: 0, outputTokens: 0 },
  };
  const created = numberAt(response.created_at);
  if (created !== undefined) result.created = created;
  return result;
}
