import { describe, expect, it } from 'vitest';
import { openAIChatCodec, StreamAccumulator } from '../../src/protocols/index.js';

const chunk = (content: string) => `data: ${JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
const finish = `data: ${JSON.stringify({ id: 'c', model: 'm', choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })}\n\n`;

describe('SSE stream decoding', () => {
  it('reassembles a multi-byte character cut between network chunks', () => {
    const bytes = new TextEncoder().encode(chunk('grüße 👋') + finish + 'data: [DONE]\n\n');
    const cut = bytes.indexOf(0xc3) + 1; // inside the two bytes of ü
    const decoder = openAIChatCodec.createStreamDecoder();
    const events = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut)), ...decoder.end()];
    expect(events.filter((e) => e.type === 'text_delta')).toEqual([{ type: 'text_delta', text: 'grüße 👋' }]);
    expect(events.at(-1)).toEqual({ type: 'end' });
  });

  it('accepts CRLF line endings, comments and a last event without its blank line', () => {
    const decoder = openAIChatCodec.createStreamDecoder();
    const body = ': keep-alive\r\n\r\n' + chunk('a').replace('\n\n', '\r\n\r\n') + finish + 'data: [DONE]';
    const events = [...decoder.push(body), ...decoder.end()];
    expect(events.map((e) => e.type)).toEqual(['start', 'text_delta', 'finish', 'end']);
  });

  it('stops at the first end and ignores what follows', () => {
    const decoder = openAIChatCodec.createStreamDecoder();
    const events = [...decoder.push(chunk('a') + 'data: [DONE]\n\n' + chunk('late')), ...decoder.end()];
    expect(events.filter((e) => e.type === 'end')).toHaveLength(1);
    expect(events.some((e) => e.type === 'text_delta' && e.text === 'late')).toBe(false);
  });

  it('turns an event that is not JSON into an error', () => {
    const decoder = openAIChatCodec.createStreamDecoder();
    const events = [...decoder.push(chunk('a') + 'data: {"truncated\n\n'), ...decoder.end()];
    expect(events.slice(-2)).toEqual([{ type: 'error', message: 'upstream sent a stream event that is not a JSON object' }, { type: 'end' }]);
  });
});

describe('StreamAccumulator', () => {
  it('builds a response from events, merging usage snapshots field by field', () => {
    const accumulator = new StreamAccumulator();
    for (const event of [
      { type: 'start', id: 'r1', model: 'm' },
      { type: 'usage', usage: { inputTokens: 10, outputTokens: 0, cacheReadTokens: 4 } },
      { type: 'thinking_delta', text: 'hm' },
      { type: 'thinking_signature', signature: 'sig', origin: 'anthropic-messages' },
      { type: 'block_stop' },
      { type: 'text_delta', text: 'Hel' },
      { type: 'text_delta', text: 'lo' },
      { type: 'tool_call_start', index: 0, id: 'c1', name: 'f' },
      { type: 'tool_call_delta', index: 0, fragment: '{"a"' },
      { type: 'tool_call_delta', index: 0, fragment: ':1}' },
      { type: 'finish', stopReason: 'tool_calls' },
      { type: 'usage', usage: { outputTokens: 7 } },
      { type: 'end' },
    ] as const) accumulator.push(event);
    expect(accumulator.result()).toEqual({
      id: 'r1',
      model: 'm',
      content: [
        { type: 'thinking', text: 'hm', signature: 'sig', origin: 'anthropic-messages' },
        { type: 'text', text: 'Hello' },
        { type: 'tool_call', id: 'c1', name: 'f', arguments: '{"a":1}' },
      ],
      stopReason: 'tool_calls',
      usage: { inputTokens: 10, outputTokens: 7, cacheReadTokens: 4 },
    });
    expect(accumulator.ended).toBe(true);
  });
});
