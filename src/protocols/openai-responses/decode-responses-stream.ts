/** A Responses upstream's SSE stream -> canonical events. */
import type { CanonicalStreamEvent } from '../canonical.js';
import type { DecodeContext, StreamDecoder } from '../codec.js';
import { generateId } from '../generate-id.js';
import { numberAt, objectAt, parseJson, stringAt } from '../json-reader.js';
import { createSseStreamDecoder } from '../sse/create-sse-stream-decoder.js';
import { stopReasonFromStatus } from './responses-status.js';
import { usageFromResponses } from './responses-usage.js';

export function createResponsesStreamDecoder(context: DecodeContext = {}): StreamDecoder {
  let started = false;
  /** Function call item id -> tool call ordinal, and the arguments streamed so far. */
  const toolCalls = new Map<string, { index: number; streamed: number }>();

  const start = (response: unknown): CanonicalStreamEvent[] => {
    if (started) return [];
    started = true;
    const r = objectAt(response) ?? {};
    const created = numberAt(r.created_at);
    return [{ type: 'start', id: stringAt(r.id) ?? generateId('resp_'), model: stringAt(r.model) ?? context.model ?? '', origin: 'openai-responses', ...(created !== undefined ? { created } : {}) }];
  };

  return createSseStreamDecoder({
    onEvent({ data }) {
      const event = objectAt(parseJson(data));
      if (!event) return [{ type: 'error', message: 'upstream sent a stream event that is not a JSON object' }, { type: 'end' }];
      const delta = stringAt(event.delta);
      switch (event.type) {
        case 'response.created':
        case 'response.in_progress':
          return start(event.response);
        case 'response.output_item.added': {
          const item = objectAt(event.item) ?? {};
          if (item.type !== 'function_call') return [];
          const index = toolCalls.size;
          toolCalls.set(stringAt(item.id) ?? String(event.output_index), { index, streamed: 0 });
          return [{ type: 'tool_call_start', index, id: stringAt(item.call_id) ?? generateId('call_'), name: stringAt(item.name) ?? '' }];
        }
        case 'response.output_text.delta':
        case 'response.refusal.delta':
          return delta ? [{ type: 'text_delta', text: delta }] : [];
        case 'response.reasoning_summary_text.delta':
        case 'response.reasoning_text.delta':
          return delta ? [{ type: 'thinking_delta', text: delta }] : [];
        case 'response.function_call_arguments.delta': {
          const call = toolCalls.get(stringAt(event.item_id) ?? String(event.output_index));
          if (!call || !delta) return [];
          call.streamed += delta.length;
          return [{ type: 'tool_call_delta', index: call.index, fragment: delta }];
        }
        case 'response.output_item.done': {
          const item = objectAt(event.item) ?? {};
          const call = item.type === 'function_call' ? toolCalls.get(stringAt(item.id) ?? String(event.output_index)) : undefined;
          const args = stringAt(item.arguments) ?? '';
          // arguments that were never streamed as deltas arrive whole with the finished item
          const rest: CanonicalStreamEvent[] = call && call.streamed === 0 && args !== '' ? [{ type: 'tool_call_delta', index: call.index, fragment: args }] : [];
          return [...rest, { type: 'block_stop' }];
        }
        case 'response.completed':
        case 'response.incomplete': {
          const response = objectAt(event.response) ?? {};
          const usage = usageFromResponses(response.usage);
          return [
            ...start(response),
            { type: 'finish', stopReason: stopReasonFromStatus(response.status, response.incomplete_details, toolCalls.size > 0) },
            ...(usage ? [{ type: 'usage' as const, usage }] : []),
            { type: 'end' },
          ];
        }
        case 'response.failed': {
          const error = objectAt(objectAt(event.response)?.error);
          return [{ type: 'error', message: stringAt(error?.message) ?? 'upstream response failed' }, { type: 'end' }];
        }
        case 'error':
          return [{ type: 'error', message: stringAt(event.message) ?? 'upstream stream failed' }, { type: 'end' }];
        default:
          return [];
      }
    },
    onEnd() {
      return [{ type: 'error', message: 'upstream ended the stream before its final event' }];
    },
  });
}
