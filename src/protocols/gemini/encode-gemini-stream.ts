/**
 * Canonical events -> Gemini SSE (`data: GenerateContentResponse`). Function calls go out whole, so their
 * argument fragments are held until the call's block ends; the finish reason and usage ride the last chunk.
 */
import type { CanonicalStreamEvent, CanonicalUsage, JsonObject, StopReason } from '../canonical.js';
import type { StreamEncoder, StreamEncoderOptions } from '../codec.js';
import { generateId } from '../generate-id.js';
import { formatSseEvent } from '../sse/format-sse-event.js';
import { mergeUsage } from '../stream-accumulator.js';
import { encodeGeminiError } from './gemini-error-envelope.js';
import { encodeModelPart } from './gemini-parts.js';
import { usageToGemini } from './gemini-usage.js';
import { stopReasonToGemini } from './map-gemini-finish-reason.js';

export function createGeminiStreamEncoder(options: StreamEncoderOptions = {}): StreamEncoder {
  let id = generateId('gen-');
  let model = options.model ?? '';
  let closed = false;
  let pendingCall: { id: string; name: string; args: string; signature?: string } | undefined;
  let stopReason: StopReason | undefined;
  let usage: CanonicalUsage | undefined;

  const chunk = (parts: JsonObject[], last?: { finishReason: string; usage: CanonicalUsage }) => {
    const candidate: JsonObject = { content: { role: 'model', parts }, index: 0 };
    if (last) candidate.finishReason = last.finishReason;
    const body: JsonObject = { candidates: [candidate], modelVersion: model, responseId: id };
    if (last) body.usageMetadata = usageToGemini(last.usage);
    return formatSseEvent(body);
  };
  const flushCall = () => {
    if (!pendingCall) return '';
    const { id: callId, name, args, signature } = pendingCall;
    pendingCall = undefined;
    return chunk([encodeModelPart({ type: 'tool_call', id: callId, name, arguments: args, ...(signature !== undefined ? { signature } : {}) })!]);
  };

  return {
    encode(event: CanonicalStreamEvent): string {
      if (closed) return '';
      switch (event.type) {
        case 'start':
          id = event.id || id;
          model = options.model ?? event.model;
          return '';
        case 'text_delta':
          return flushCall() + chunk([{ text: event.text }]);
        case 'thinking_delta':
          return flushCall() + chunk([{ text: event.text, thought: true }]);
        case 'tool_call_start': {
          const out = flushCall();
          pendingCall = { id: event.id, name: event.name, args: '', ...(event.signature !== undefined ? { signature: event.signature } : {}) };
          return out;
        }
        case 'tool_call_delta':
          if (pendingCall) pendingCall.args += event.fragment;
          return '';
        case 'block_stop':
          return flushCall();
        case 'thinking_signature':
          return '';
        case 'finish':
          stopReason = event.stopReason;
          return flushCall();
        case 'usage':
          usage = mergeUsage(usage ?? { inputTokens: 0, outputTokens: 0 }, event.usage);
          return '';
        case 'error':
          closed = true;
          return flushCall() + formatSseEvent(encodeGeminiError({ status: 500, kind: event.kind ?? 'api', message: event.message }));
        case 'end':
          closed = true;
          return flushCall() + chunk([], { finishReason: stopReasonToGemini(stopReason ?? 'stop'), usage: usage ?? { inputTokens: 0, outputTokens: 0 } });
      }
    },
  };
}
