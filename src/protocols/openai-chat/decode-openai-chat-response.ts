/** An OpenAI-compatible upstream's `chat.completion` JSON -> canonical response (first choice). */
import type { AssistantContentPart, CanonicalResponse } from '../canonical.js';
import type { DecodeContext } from '../codec.js';
import { generateId } from '../generate-id.js';
import { arrayAt, numberAt, objectAt, stringAt } from '../json-reader.js';
import { stopReasonFromOpenAI } from './map-openai-finish-reason.js';
import { usageFromOpenAIChat } from './openai-chat-usage.js';

export function decodeOpenAIChatResponse(body: unknown, context: DecodeContext = {}): CanonicalResponse {
  const completion = objectAt(body) ?? {};
  const choice = objectAt(arrayAt(completion.choices)[0]) ?? {};
  const message = objectAt(choice.message) ?? {};
  const content: AssistantContentPart[] = [];
  const reasoning = stringAt(message.reasoning_content) ?? stringAt(message.reasoning);
  if (reasoning) content.push({ type: 'thinking', text: reasoning, origin: 'openai-chat' });
  const text = stringAt(message.content);
  if (text) content.push({ type: 'text', text });
  const refusal = stringAt(message.refusal);
  if (refusal) content.push({ type: 'text', text: refusal });
  for (const value of arrayAt(message.tool_calls)) {
    const call = objectAt(value);
    const fn = objectAt(call?.function);
    content.push({ type: 'tool_call', id: stringAt(call?.id) ?? generateId('call_'), name: stringAt(fn?.name) ?? '', arguments: stringAt(fn?.arguments) ?? '' });
  }
  const response: CanonicalResponse = {
    id: stringAt(completion.id) ?? generateId('chatcmpl-'),
    model: stringAt(completion.model) ?? context.model ?? '',
    content,
    stopReason: refusal && choice.finish_reason === 'stop' ? 'content_filter' : stopReasonFromOpenAI(choice.finish_reason),
    usage: usageFromOpenAIChat(completion.usage) ?? { inputTokens: 0, outputTokens: 0 },
  };
  const created = numberAt(completion.created);
  if (created !== undefined) response.created = created;
  return response;
}
