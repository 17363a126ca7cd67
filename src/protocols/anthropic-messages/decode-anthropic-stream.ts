/** An Anthropic upstream's Messages SSE stream -> canonical events. */
import type { CanonicalStreamEvent, CanonicalUsage } from '../canonical.js';
import type { DecodeContext, StreamDecoder } from '../codec.js';
import { generateId } from '../generate-id.js';
import { numberAt, objectAt, parseJson, stringAt } from '../json-reader.js';
import { createSseStreamDecoder } from '../sse/create-sse-stream-decoder.js';
import { objectToArguments } from '../tool-arguments.js';
import { errorKindFromAnthropicType } from './anthropic-error-envelope.js';
import { usageFromAnthropic } from './anthropic-usage.js';
import { stopReasonFromAnthropic } from './map-anthropic-stop-reason.js';

export function createAnthropicStreamDecoder(context: DecodeContext = {}): StreamDecoder {
  /** Content block index -> tool call ordinal. */
  const toolIndexByBlock = new Map<number, number>();
  let usage: Partial<CanonicalUsage> = {};
  let stopped = false;

  const usageEvent = (value: unknown): CanonicalStreamEvent[] => {
    const update = usageFromAnthropic(value);
    if (!update) return [];
    // message_delta may repeat input_tokens without the cache fields: keep the cache counts from message_start
    if (update.inputTokens !== undefined && update.cacheReadTokens === undefined && update.cacheWriteTokens === undefined) {
      update.inputTokens += (usage.cacheReadTokens ?? 0) + (usage.cacheWriteTokens ?? 0);
    }
    usage = { ...usage, ...update };
    return [{ type: 'usage', usage: { ...usage } }];
  };

  return createSseStreamDecoder({
    onEvent({ data }) {
      const event = objectAt(parseJson(data));
      if (!event) return [{ type: 'error', message: 'upstream sent a stream event that is not a JSON object' }, { type: 'end' }];
      const index = numberAt(event.index) ?? 0;
      switch (event.type) {
        case 'message_start': {
          const message = objectAt(event.message) ?? {};
          return [
            { type: 'start', id: stringAt(message.id) ?? generateId('msg_'), model: stringAt(message.model) ?? context.model ?? '', origin: 'anthropic-messages' },
            ...usageEvent(message.usage),
          ];
        }
        case 'content_block_start': {
          const block = objectAt(event.content_block) ?? {};
          if (block.type === 'text') return stringAt(block.text) ? [{ type: 'text_delta', text: stringAt(block.text)! }] : [];
          if (block.type === 'thinking') return stringAt(block.thinking) ? [{ type: 'thinking_delta', text: stringAt(block.thinking)! }] : [];
          if (block.type === 'tool_use') {
            const ordinal = toolIndexByBlock.size;
            toolIndexByBlock.set(index, ordinal);
            const start: CanonicalStreamEvent = { type: 'tool_call_start', index: ordinal, id: stringAt(block.id) ?? generateId('toolu_'), name: stringAt(block.name) ?? '' };
            const input = objectAt(block.input);
            // the input normally streams as input_json_delta; a block that arrives whole carries it here
            return input && Object.keys(input).length > 0 ? [start, { type: 'tool_call_delta', index: ordinal, fragment: objectToArguments(input) }] : [start];
          }
          return [];
        }
        case 'content_block_delta': {
          const delta = objectAt(event.delta) ?? {};
          switch (delta.type) {
            case 'text_delta':
              return stringAt(delta.text) ? [{ type: 'text_delta', text: stringAt(delta.text)! }] : [];
            case 'thinking_delta':
              return stringAt(delta.thinking) ? [{ type: 'thinking_delta', text: stringAt(delta.thinking)! }] : [];
            case 'signature_delta':
              return stringAt(delta.signature) ? [{ type: 'thinking_signature', signature: stringAt(delta.signature)!, origin: 'anthropic-messages' }] : [];
            case 'input_json_delta': {
              const ordinal = toolIndexByBlock.get(index);
              const fragment = stringAt(delta.partial_json);
              return ordinal !== undefined && fragment ? [{ type: 'tool_call_delta', index: ordinal, fragment }] : [];
            }
            default:
              return [];
          }
        }
        case 'content_block_stop':
          return [{ type: 'block_stop' }];
        case 'message_delta': {
          const delta = objectAt(event.delta) ?? {};
          const events: CanonicalStreamEvent[] = [];
          if (delta.stop_reason !== undefined && delta.stop_reason !== null) {
            const stopSequence = stringAt(delta.stop_sequence);
            events.push({ type: 'finish', stopReason: stopReasonFromAnthropic(delta.stop_reason), ...(stopSequence !== undefined ? { stopSequence } : {}) });
          }
          return [...events, ...usageEvent(event.usage)];
        }
        case 'message_stop':
          stopped = true;
          return [{ type: 'end' }];
        case 'error': {
          const error = objectAt(event.error);
          const kind = errorKindFromAnthropicType(error?.type);
          return [{ type: 'error', message: stringAt(error?.message) ?? 'upstream stream failed', ...(kind ? { kind } : {}) }, { type: 'end' }];
        }
        default:
          // ping, and event types added after this was written
          return [];
      }
    },
    onEnd() {
      return stopped ? [] : [{ type: 'error', message: 'upstream ended the stream before its final event' }];
    },
  });
}
