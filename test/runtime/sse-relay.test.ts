/** How the byte-for-byte SSE relay tells a finished stream from a cut one, for OpenAI and Anthropic streams. */
import type { ServerResponse } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { relaySse, type RelayOptions } from '../../src/runtime/http/sse-relay.js';
import { openAIResponsesClient } from '../../src/runtime/http/openai-responses-client.js';

const OPENAI: RelayOptions = { terminals: ['data: [DONE]'] };
const ANTHROPIC: RelayOptions = { terminals: ['event: message_stop'], errorMarkers: ['event: error'] };
const RESPONSES: RelayOptions = { terminals: openAIResponsesClient.native!.streamTerminals, errorMarkers: openAIResponsesClient.native!.streamErrorMarkers!, trailers: openAIResponsesClient.native!.streamTrailers! };

async function relay(chunks: string[], options: RelayOptions) {
  const written: string[] = [];
  const res = { destroyed: false, write: (data: Buffer | string) => (written.push(data.toString()), true) } as unknown as ServerResponse;
  const rest = (async function* () {
    for (const chunk of chunks.slice(1)) yield Buffer.from(chunk);
  })();
  const result = await relaySse(res, Buffer.from(chunks[0]!), rest, options);
  return { result, written: written.join('') };
}

const delta = (text: string) => `event: content_block_delta\ndata: ${JSON.stringify({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } })}\n\n`;
const stop = 'event: message_stop\ndata: {"type":"message_stop"}\n\n';
const error = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n';

describe('relaySse', () => {
  it('relays every byte, split anywhere, and sees the terminal event', async () => {
    const stream = delta('Hello') + delta(' world') + stop;
    const chunks = [stream.slice(0, 7), stream.slice(7, 50), stream.slice(50)];
    const { result, written } = await relay(chunks, ANTHROPIC);
    expect(written).toBe(stream);
    expect(result).toMatchObject({ complete: true, events: 3 });
  });

  it('a comment or extra blank lines after the terminal event still count as complete', async () => {
    expect((await relay(['data: {"a":1}\n\n', 'data: [DONE]\n\n\n', ': ping\n\n'], OPENAI)).result.complete).toBe(true);
    expect((await relay(['data: {"a":1}\r\n\r\ndata: [DONE]\r\n\r\n'], OPENAI)).result.complete).toBe(true);
  });

  it('a stream cut after a delta whose text mentions the markers is a cut, not a terminal or an upstream error', async () => {
    const { result } = await relay([delta('x'), delta('event: error and event: message_stop')], ANTHROPIC);
    expect(result).toMatchObject({ complete: false, error: 'upstream ended the stream before its final event' });
    expect(result.upstreamErrorRelayed).toBeUndefined();
  });

  it('an upstream error event as the last event is relayed and reported, so no second error follows', async () => {
    const { result, written } = await relay([delta('x'), error], ANTHROPIC);
    expect(written).toBe(delta('x') + error);
    expect(result).toMatchObject({ complete: false, upstreamErrorRelayed: true });
  });

  it('Responses: completed or incomplete ends a stream, with or without event lines; failed and error are the upstream\'s own error', async () => {
    const event = (type: string, named: boolean) => `${named ? `event: ${type}\n` : ''}data: {"type":"${type}","sequence_number":1,"response":{"id":"r"}}\n\n`;
    for (const named of [true, false]) {
      const text = event('response.output_text.delta', named);
      for (const end of ['response.completed', 'response.incomplete']) expect((await relay([text, event(end, named)], RESPONSES)).result.complete).toBe(true);
      for (const end of ['response.failed', 'error']) expect((await relay([text, event(end, named)], RESPONSES)).result).toMatchObject({ complete: false, upstreamErrorRelayed: true });
      expect((await relay([event('response.created', named), text], RESPONSES)).result).toMatchObject({ complete: false, error: 'upstream ended the stream before its final event' });
    }
  });

  it('Responses: a Chat-style [DONE] after the final event (blank-line ended or not) keeps it the end; [DONE] alone, or after a delta, is not one; a space after "type": reads the same', async () => {
    const event = (type: string, space = '') => `data: {"type":${space}"${type}","sequence_number":1,"response":{"id":"r"}}\n\n`;
    const text = event('response.output_text.delta');
    for (const done of ['data: [DONE]\n\n', 'data: [DONE]']) {
      const { result, written } = await relay([text, event('response.completed'), done], RESPONSES);
      expect(result.complete, done).toBe(true);
      expect(written).toBe(text + event('response.completed') + done);
      expect((await relay([text, event('response.failed'), done], RESPONSES)).result).toMatchObject({ complete: false, upstreamErrorRelayed: true });
      expect((await relay([text, done], RESPONSES)).result.complete).toBe(false);
    }
    expect((await relay([text, event('response.completed', ' ')], RESPONSES)).result.complete).toBe(true);
    expect((await relay([text, event('response.failed', ' ')], RESPONSES)).result).toMatchObject({ complete: false, upstreamErrorRelayed: true });
    // Chat Completions has no trailers: its [DONE] is the end itself
    expect((await relay(['data: {"a":1}\n\n', 'data: [DONE]\n\n'], OPENAI)).result.complete).toBe(true);
  });

  it('half an event at the end is held back', async () => {
    const { result, written } = await relay([delta('x'), 'event: content_block_delta\ndata: {"type":'], ANTHROPIC);
    expect(written).toBe(delta('x'));
    expect(result).toMatchObject({ complete: false, error: 'upstream ended the stream in the middle of an event' });
  });

  it('any split of any stream: complete events go out whole and in order, and the ending is told right', async () => {
    const event = fc.oneof(
      fc.string({ maxLength: 12 }).map((t) => delta(t)),
      fc.constant(': keep-alive\n\n'),
      fc.constant(error),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(event, { maxLength: 6 }), fc.constantFrom('stop', 'cut', 'half'), fc.boolean(), fc.array(fc.nat(), { maxLength: 5 }), async (body, ending, crlf, cuts) => {
        const tail = ending === 'stop' ? stop : ending === 'half' ? 'event: content_block_delta\ndata: {"ty' : '';
        const lines = (text: string) => (crlf ? text.replace(/\n/g, '\r\n') : text);
        const stream = lines(body.join('') + tail);
        if (stream === '') return;
        const points = [...new Set(cuts.map((c) => 1 + (c % stream.length)))].filter((p) => p < stream.length).sort((a, b) => a - b);
        const chunks = [0, ...points].map((from, i) => stream.slice(from, points[i] ?? stream.length));
        const { result, written } = await relay(chunks, ANTHROPIC);
        const whole = ending === 'half' ? lines(body.join('')) : stream;
        expect(written).toBe(whole);
        const last = body.filter((e) => !e.startsWith(':')).at(-1);
        if (ending === 'stop') expect(result.complete).toBe(true);
        else {
          expect(result.complete).toBe(false);
          if (ending === 'cut' && last === error) expect(result.upstreamErrorRelayed).toBe(true);
          else expect(result.upstreamErrorRelayed).toBeUndefined();
        }
        expect(result.events).toBe(body.filter((e) => !e.startsWith(':')).length + (ending === 'stop' ? 1 : 0));
      }),
      { numRuns: 300 },
    );
  });
});
