/**
 * A Gemini `streamGenerateContent?alt=sse` stream -> canonical events. Each event is a whole
 * GenerateContentResponse with the next parts; a function call arrives whole, in one part. There is no
 * terminal event: a chunk with a finishReason ends the answer, and the body's end ends the stream.
 */
import type { CanonicalStreamEvent } from '../canonical.js';
import type { DecodeContext, StreamDecoder } from '../codec.js';
import { generateId } from '../generate-id.js';
import { arrayAt, objectAt, parseJson, stringAt } from '../json-reader.js';
import { createSseStreamDecoder } from '../sse/create-sse-stream-decoder.js';
import { geminiErrorKind } from './gemini-error-envelope.js';
import { decodeModelPart } from './gemini-parts.js';
import { usageFromGemini } from './gemini-usage.js';
import { stopReasonFromGemini } from './map-gemini-finish-reason.js';

export function createGeminiStreamDecoder(context: DecodeContext = {}): StreamDecoder {
  let started = false;
  let finished = false;
  let toolCalls = 0;

  return createSseStreamDecoder({
    onEvent({ data }) {
      const chunk = objectAt(parseJson(data));
      if (!chunk) return [{ type: 'error', message: 'upstream sent a stream event that is not a JSON object' }, { type: 'end' }];
      if (chunk.error !== undefined) {
        const kind = geminiErrorKind(chunk.error);
        return [{ type: 'error', message: stringAt(objectAt(chunk.error)?.message) ?? 'upstream stream failed', ...(kind ? { kind } : {}) }, { type: 'end' }];
      }
      const events: CanonicalStreamEvent[] = [];
      if (!started) {
        started = true;
        events.push({ type: 'start', id: stringAt(chunk.responseId) ?? generateId('gen-'), model: stringAt(chunk.modelVersion) ?? context.model ?? '', origin: 'gemini' });
      }
      const candidate = objectAt(arrayAt(chunk.candidates)[0]);
      for (const value of arrayAt(objectAt(candidate?.content)?.parts)) {
        const part = decodeModelPart(objectAt(value) ?? {});
        if (part?.type === 'text' && part.text !== '') events.push({ type: 'text_delta', text: part.text });
        else if (part?.type === 'thinking') {
          if (part.text !== '') events.push({ type: 'thinking_delta', text: part.text });
          if (part.signature !== undefined) events.push({ type: 'thinking_signature', signature: part.signature, origin: 'gemini' });
        } else if (part?.type === 'tool_call') {
          const index = toolCalls++;
          events.push({ type: 'tool_call_start', index, id: part.id, name: part.name, ...(part.signature !== undefined ? { signature: part.signature } : {}) });
          events.push({ type: 'tool_call_delta', index, fragment: part.arguments }, { type: 'block_stop' });
        }
      }
      if (candidate?.finishReason !== undefined && candidate.finishReason !== null) {
        finished = true;
        events.push({ type: 'finish', stopReason: stopReasonFromGemini(candidate.finishReason, toolCalls > 0) });
      } else if (!candidate && objectAt(chunk.promptFeedback)?.blockReason !== undefined) {
        finished = true;
        events.push({ type: 'finish', stopReason: 'content_filter' });
      }
      const usage = usageFromGemini(chunk.usageMetadata);
      if (usage) events.push({ type: 'usage', usage });
      return events;
    },
    onEnd() {
      return finished ? [] : [{ type: 'error', message: 'upstream ended the stream before its final event' }];
    },
  });
}
