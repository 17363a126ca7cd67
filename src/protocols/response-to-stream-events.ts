/** A whole canonical response as the stream that would have produced it (for a streaming client of a non-streaming answer). */
import type { CanonicalResponse, CanonicalStreamEvent } from './canonical.js';

export function responseToStreamEvents(response: CanonicalResponse): CanonicalStreamEvent[] {
  const events: CanonicalStreamEvent[] = [{ type: 'start', id: response.id, model: response.model, ...(response.created !== undefined ? { created: response.created } : {}) }];
  let toolIndex = 0;
  for (const part of response.content) {
    switch (part.type) {
      case 'text':
        events.push({ type: 'text_delta', text: part.text });
        break;
      case 'thinking':
        events.push({ type: 'thinking_delta', text: part.text });
        if (part.signature !== undefined) events.push({ type: 'thinking_signature', signature: part.signature, ...(part.origin ? { origin: part.origin } : {}) });
        break;
      case 'tool_call': {
        const index = toolIndex++;
        events.push({ type: 'tool_call_start', index, id: part.id, name: part.name, ...(part.signature !== undefined ? { signature: part.signature } : {}) });
        if (part.arguments !== '') events.push({ type: 'tool_call_delta', index, fragment: part.arguments });
        break;
      }
    }
    events.push({ type: 'block_stop' });
  }
  events.push({ type: 'finish', stopReason: response.stopReason, ...(response.stopSequence !== undefined ? { stopSequence: response.stopSequence } : {}) });
  events.push({ type: 'usage', usage: response.usage });
  events.push({ type: 'end' });
  return events;
}
