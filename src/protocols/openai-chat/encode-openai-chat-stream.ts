/**
 * Canonical events -> OpenAI Chat SSE: `chat.completion.chunk` events, a usage chunk when the client asked
 * for one, `data: [DONE]`; a failure becomes an in-band error chunk (finish_reason `error`) and no `[DONE]`.
 */
import type { CanonicalStreamEvent, CanonicalUsage, JsonObject, StopReason } from '../canonical.js';
import type { StreamEncoder, StreamEncoderOptions } from '../codec.js';
import { generateId } from '../generate-id.js';
import { formatSseEvent } from '../sse/format-sse-event.js';
import { mergeUsage } from '../stream-accumulator.js';
import { stopReasonToOpenAI } from './map-openai-finish-reason.js';
import { usageToOpenAIChat } from './openai-chat-usage.js';

export function createOpenAIChatStreamEncoder(options: StreamEncoderOptions = {}): StreamEncoder {
  let id = generateId('chatcmpl-');
  let model = options.model ?? '';
  let created = Math.floor(Date.now() / 1000);
  let started = false;
  let closed = false;
  let finishSent = false;
  let pendingStop: StopReason | undefined;
  let usage: CanonicalUsage | undefined;

  const chunk = (delta: JsonObject, finishReason: string | null = null, extra: JsonObject = {}) =>
    formatSseEvent({ id, object: 'chat.completion.chunk', created, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }], ...extra });
  const ensureStarted = () => {
    if (started) return '';
    started = true;
    return chunk({ role: 'assistant', content: '' });
  };

  return {
    encode(event: CanonicalStreamEvent): string {
      if (closed) return '';
      switch (event.type) {
        case 'start':
          if (started) return '';
          id = event.id || id;
          model = options.model ?? event.model;
          if (event.created !== undefined) created = event.created;
          return ensureStarted();
        case 'text_delta':
          return ensureStarted() + chunk({ content: event.text });
        case 'thinking_delta':
          return ensureStarted() + chunk({ reasoning_content: event.text });
        case 'tool_call_start':
          return ensureStarted() + chunk({ tool_calls: [{ index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }] });
        case 'tool_call_delta':
          return ensureStarted() + chunk({ tool_calls: [{ index: event.index, function: { arguments: event.fragment } }] });
        case 'thinking_signature':
        case 'block_stop':
          return '';
        case 'finish':
          pendingStop = event.stopReason;
          if (finishSent) return '';
          finishSent = true;
          return ensureStarted() + chunk({}, stopReasonToOpenAI(event.stopReason));
        case 'usage':
          usage = mergeUsage(usage ?? { inputTokens: 0, outputTokens: 0 }, event.usage);
          return '';
        case 'error': {
          closed = true;
          const error: JsonObject = { message: event.message, type: 'upstream_error', code: 502 };
          if (options.requestId !== undefined) error.request_id = options.requestId;
          return ensureStarted() + chunk({}, 'error', { error });
        }
        case 'end': {
          closed = true;
          let out = ensureStarted();
          if (!finishSent) out += chunk({}, stopReasonToOpenAI(pendingStop ?? 'stop'));
          if (options.includeUsage) {
            out += formatSseEvent({ id, object: 'chat.completion.chunk', created, model, choices: [], usage: usageToOpenAIChat(usage ?? { inputTokens: 0, outputTokens: 0 }) });
          }
          return out + 'data: [DONE]\n\n';
        }
      }
    },
  };
}
