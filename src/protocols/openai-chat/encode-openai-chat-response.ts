/** Canonical response -> the `chat.completion` JSON an OpenAI Chat client expects. */
import type { CanonicalResponse, JsonObject } from '../canonical.js';
import { stopReasonToOpenAI } from './map-openai-finish-reason.js';
import { usageToOpenAIChat } from './openai-chat-usage.js';

export function encodeOpenAIChatResponse(response: CanonicalResponse): JsonObject {
  const texts: string[] = [];
  const thinking: string[] = [];
  const toolCalls: JsonObject[] = [];
  for (const part of response.content) {
    if (part.type === 'text') texts.push(part.text);
    else if (part.type === 'thinking') thinking.push(part.text);
    else toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
  }
  const message: JsonObject = { role: 'assistant', content: texts.length > 0 ? texts.join('') : null, refusal: null };
  // not in OpenAI's schema, but the de facto field for reasoning text among OpenAI-compatible servers
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return {
    id: response.id,
    object: 'chat.completion',
    created: response.created ?? Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message, finish_reason: stopReasonToOpenAI(response.stopReason), logprobs: null }],
    usage: usageToOpenAIChat(response.usage),
  };
}
