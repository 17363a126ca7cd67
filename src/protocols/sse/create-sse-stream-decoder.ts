/**
 * The shared half of every upstream stream decoder: bytes -> UTF-8 text -> SSE events (eventsource-parser)
 * -> the protocol's handler -> canonical events. It stops at the first `end` and guarantees exactly one.
 */
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { CanonicalStreamEvent } from '../canonical.js';
import type { StreamDecoder } from '../codec.js';

export interface SseEventHandler {
  /** One SSE event -> canonical events. */
  onEvent(event: EventSourceMessage): CanonicalStreamEvent[];
  /** The body ended: the closing events; an `error` first when the protocol's final event never came. */
  onEnd(): CanonicalStreamEvent[];
}

export function createSseStreamDecoder(handler: SseEventHandler): StreamDecoder {
  const text = new TextDecoder();
  let out: CanonicalStreamEvent[] = [];
  let ended = false;
  const collect = (events: CanonicalStreamEvent[]) => {
    for (const event of events) {
      if (ended) return;
      out.push(event);
      if (event.type === 'end') ended = true;
    }
  };
  const parser = createParser({ onEvent: (event) => collect(handler.onEvent(event)) });
  const drain = () => {
    const events = out;
    out = [];
    return events;
  };
  return {
    push(chunk) {
      if (!ended) parser.feed(typeof chunk === 'string' ? chunk : text.decode(chunk, { stream: true }));
      return drain();
    },
    end() {
      if (!ended) {
        const tail = text.decode();
        // a last event without its blank line still counts when it is whole (`data: [DONE]` at EOF)
        parser.feed(`${tail}\n\n`);
        collect(handler.onEnd());
        collect([{ type: 'end' }]);
      }
      return drain();
    },
  };
}
