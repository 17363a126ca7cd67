/** An OpenAI-compatible upstream's `chat.completion.chunk` SSE stream -> canonical events. */
import type { CanonicalStreamEvent } from '../canonical.js';
import type { DecodeContext, StreamDecoder } from '../codec.js';
import { generateId } from '../generate-id.js';
import { arrayAt, numberAt, objectAt, parseJson, stringAt } from '../json-reader.js';
import { createSseStreamDecoder } from '../sse/create-sse-stream-decoder.js';
import { stopReasonFromOpenAI } from './map-openai-finish-reason.js';
import { decodeOpenAIError } from './openai-error-envelope.js';
import { usageFromOpenAIChat } from './openai-chat-usage.js';

export function createOpenAIChatStreamDecoder(context: DecodeContext = {}): StreamDecoder {
  let started = false;
  let finished = false;
  const toolCalls = new Set<number>();

  return createSseStreamDecoder({
    onEvent({ data }) {
      if (data.trim() === '[DONE]') return [{ type: 'end' }];
      const chunk = objectAt(parseJson(data));
      if (!chunk) return [{ type: 'error', message: 'upstream sent a stream event that is not a JSON object' }, { type: 'end' }];
      if (chunk.error !== undefined) {
        const error = decodeOpenAIError(chunk, 500);
        return [{ type: 'error', message: error.message, kind: error.kind }, { type: 'end' }];
      }
      const events: CanonicalStreamEvent[] = [];
      if (!started) {
        started = true;
        const created = numberAt(chunk.created);
        events.push({ type: 'start', id: stringAt(chunk.id) ?? generateId('chatcmpl-'), model: stringAt(chunk.model) ?? context.model ?? '', ...(created !== undefined ? { created } : {}) });
      }
      const choice = objectAt(arrayAt(chunk.choices)[0]);
      const delta = objectAt(choice?.delta);
      if (delta) {
        const reasoning = stringAt(delta.reasoning_content) ?? stringAt(delta.reasoning);
        if (reasoning) events.push({ type: 'thinking_delta', text: reasoning });
        const text = stringAt(delta.content);
        if (text) events.push({ type: 'text_delta', text });
        const refusal = stringAt(delta.refusal);
        if (refusal) events.push({ type: 'text_delta', text: refusal });
        for (const value of arrayAt(delta.tool_calls)) {
          const call = objectAt(value);
          const fn = objectAt(call?.function);
          const index = numberAt(call?.index) ?? toolCalls.size;
          if (!toolCalls.has(index)) {
            toolCalls.add(index);
            events.push({ type: 'tool_call_start', index, id: stringAt(call?.id) ?? generateId('call_'), name: stringAt(fn?.name) ?? '' });
          }
          const fragment = stringAt(fn?.arguments);
          if (fragment) events.push({ type: 'tool_call_delta', index, fragment });
        }
      }
      if (choice && choice.finish_reason !== null && choice.finish_reason !== undefined) {
        finished = true;
        events.push({ type: 'finish', stopReason: stopReasonFromOpenAI(choice.finish_reason) });
      }
      const usage = usageFromOpenAIChat(chunk.usage);
      if (usage) events.push({ type: 'usage', usage });
      return events;
    },
    onEnd() {
      // `[DONE]` never came; a stream that at least finished its choice lost nothing but the marker
      return finished ? [] : [{ type: 'error', message: 'upstream ended the stream before its final event' }];
    },
  });
}
