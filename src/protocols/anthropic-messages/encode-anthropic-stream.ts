/**
 * Canonical events -> Anthropic Messages SSE: message_start, ping, content_block_start/delta/stop per block,
 * message_delta (stop reason and cumulative usage), message_stop; a failure becomes an `error` event.
 */
import type { CanonicalStreamEvent, CanonicalUsage, JsonObject, StopReason } from '../canonical.js';
import type { StreamEncoder, StreamEncoderOptions } from '../codec.js';
import { generateId } from '../generate-id.js';
import { formatSseEvent } from '../sse/format-sse-event.js';
import { mergeUsage } from '../stream-accumulator.js';
import { anthropicErrorType } from './anthropic-error-envelope.js';
import { usageToAnthropic } from './anthropic-usage.js';
import { stopReasonToAnthropic } from './map-anthropic-stop-reason.js';

type OpenBlock = { kind: 'text' | 'thinking' } | { kind: 'tool'; toolIndex: number };

export function createAnthropicStreamEncoder(options: StreamEncoderOptions = {}): StreamEncoder {
  let started = false;
  let closed = false;
  let id = generateId('msg_');
  let model = options.model ?? '';
  /** Thinking is relayed only from an Anthropic upstream, whose signatures the client can send back. */
  let relayThinking = false;
  let open: OpenBlock | undefined;
  let nextBlock = 0;
  let stopReason: StopReason | undefined;
  let stopSequence: string | undefined;
  let usage: CanonicalUsage = { inputTokens: 0, outputTokens: 0 };

  const send = (type: string, data: JsonObject) => formatSseEvent({ type, ...data }, type);
  const ensureStarted = () => {
    if (started) return '';
    started = true;
    const message = { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: usageToAnthropic(usage) };
    return send('message_start', { message }) + send('ping', {});
  };
  const closeBlock = () => {
    if (!open) return '';
    open = undefined;
    return send('content_block_stop', { index: nextBlock - 1 });
  };
  const openBlock = (block: OpenBlock, contentBlock: JsonObject) => {
    const out = ensureStarted() + closeBlock();
    open = block;
    return out + send('content_block_start', { index: nextBlock++, content_block: contentBlock });
  };
  const delta = (data: JsonObject) => send('content_block_delta', { index: nextBlock - 1, delta: data });

  return {
    encode(event: CanonicalStreamEvent): string {
      if (closed) return '';
      switch (event.type) {
        case 'start':
          if (started) return '';
          id = event.id || id;
          model = options.model ?? event.model;
          relayThinking = event.origin === 'anthropic-messages';
          return ensureStarted();
        case 'text_delta': {
          const out = open?.kind === 'text' ? '' : openBlock({ kind: 'text' }, { type: 'text', text: '' });
          return out + delta({ type: 'text_delta', text: event.text });
        }
        case 'thinking_delta': {
          if (!relayThinking) return '';
          const out = open?.kind === 'thinking' ? '' : openBlock({ kind: 'thinking' }, { type: 'thinking', thinking: '', signature: '' });
          return out + delta({ type: 'thinking_delta', thinking: event.text });
        }
        case 'thinking_signature':
          return relayThinking && open?.kind === 'thinking' ? delta({ type: 'signature_delta', signature: event.signature }) : '';
        case 'tool_call_start':
          return openBlock({ kind: 'tool', toolIndex: event.index }, { type: 'tool_use', id: event.id, name: event.name, input: {} });
        case 'tool_call_delta':
          // blocks are sequential in this protocol: a fragment for a tool call whose block closed cannot be placed
          return open?.kind === 'tool' && open.toolIndex === event.index ? delta({ type: 'input_json_delta', partial_json: event.fragment }) : '';
        case 'block_stop':
          return closeBlock();
        case 'finish':
          stopReason = event.stopReason;
          stopSequence = event.stopSequence;
          return '';
        case 'usage':
          usage = mergeUsage(usage, event.usage);
          return '';
        case 'error': {
          closed = true;
          const error: JsonObject = { type: 'error', error: { type: anthropicErrorType(event.kind ?? 'api'), message: event.message } };
          if (options.requestId !== undefined) error.request_id = options.requestId;
          return ensureStarted() + closeBlock() + formatSseEvent(error, 'error');
        }
        case 'end': {
          closed = true;
          const out = ensureStarted() + closeBlock();
          const messageDelta = { delta: { stop_reason: stopReasonToAnthropic(stopReason ?? 'stop', stopSequence), stop_sequence: stopSequence ?? null }, usage: usageToAnthropic(usage) };
          return out + send('message_delta', messageDelta) + send('message_stop', {});
        }
      }
    },
  };
}
