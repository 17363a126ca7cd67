import { describe, expect, it } from 'vitest';
import { ByteEdits } from '../../src/runtime/http/byte-edits.js';
import { UsageMeter } from '../../src/runtime/http/native-usage.js';
import type { ClientProtocol } from '../../src/protocols/index.js';

const costOf = (u: { inputTokens: number; outputTokens: number }) => u.inputTokens * 1e-6 + u.outputTokens * 2e-6;

/** The meter as a relay uses it: read, then apply what it recorded. */
function nativeUsageMeter(protocol: ClientProtocol, price: typeof costOf) {
  const meter = new UsageMeter(protocol, { costOf: price });
  const rewrite = (data: Buffer) => {
    const edits = new ByteEdits();
    meter.read(data, edits);
    return edits.apply(data);
  };
  return { json: rewrite, events: rewrite, usage: () => meter.usage() };
}

describe('nativeUsageMeter', () => {
  it('splices OpenRouter-style cost into an OpenAI answer and leaves every other byte alone', () => {
    const body = Buffer.from('{"id":"x","choices":[{"message":{"content":"the \\"usage\\": {} of words"}}],"usage": {"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":2}}}');
    const meter = nativeUsageMeter('openai-chat', costOf);
    const out = meter.json(body);
    const parsed = JSON.parse(out.toString()) as { usage: Record<string, unknown>; choices: unknown };
    expect(parsed.usage).toEqual({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 15, prompt_tokens_details: { cached_tokens: 2 }, cost: costOf({ inputTokens: 10, outputTokens: 5 }) });
    expect(out.toString().replace(/,"cost":[^}]+/, '')).toBe(body.toString());
    expect(meter.usage()).toMatchObject({ inputTokens: 10, outputTokens: 5, cacheReadTokens: 2 });
  });

  it('passes stream chunks with `usage: null` through untouched and prices the final usage chunk', () => {
    const meter = nativeUsageMeter('openai-chat', costOf);
    const chunk = Buffer.from('data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}\n\n');
    expect(meter.events(chunk)).toBe(chunk);
    const last = meter.events(Buffer.from('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\ndata: [DONE]\n\n')).toString();
    expect(last).toBe('data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"cost":0.000011}}\n\ndata: [DONE]\n\n');
    expect(meter.usage()).toMatchObject({ inputTokens: 3, outputTokens: 4 });
  });

  it('reads Anthropic usage across message_start and message_delta without changing a byte', () => {
    const meter = nativeUsageMeter('anthropic-messages', costOf);
    const start = Buffer.from('event: message_start\ndata: {"type":"message_start","message":{"usage":{"input_tokens":20,"cache_read_input_tokens":5,"output_tokens":1}}}\n\n');
    const delta = Buffer.from('event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":42}}\n\n');
    expect(meter.events(start)).toBe(start);
    expect(meter.events(delta)).toBe(delta);
    expect(meter.usage()).toMatchObject({ inputTokens: 25, outputTokens: 42, cacheReadTokens: 5 });
  });

  it("reads a Responses response's usage (response.created's null, then response.completed's) without changing a byte", () => {
    const meter = nativeUsageMeter('openai-responses', costOf);
    const created = Buffer.from('event: response.created\ndata: {"type":"response.created","sequence_number":0,"response":{"id":"resp_1","usage":null}}\n\n');
    const completed = Buffer.from('event: response.completed\ndata: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_1","usage":{"input_tokens":30,"input_tokens_details":{"cached_tokens":8},"output_tokens":12,"output_tokens_details":{"reasoning_tokens":4},"total_tokens":42}}}\n\n');
    expect(meter.events(created)).toBe(created);
    expect(meter.usage()).toBeUndefined();
    expect(meter.events(completed)).toBe(completed);
    expect(meter.usage()).toMatchObject({ inputTokens: 30, outputTokens: 12, cacheReadTokens: 8, reasoningTokens: 4 });
  });

  it('prices the next usage object after one that does not close (a malformed event)', () => {
    const meter = nativeUsageMeter('openai-chat', costOf);
    const chunk = Buffer.from('data: {"usage":{"prompt_tokens":1,"completion_tokens":2,"x":"}\n\ndata: {"usage":{"prompt_tokens":5,"completion_tokens":6}}\n\n');
    expect(meter.events(chunk).toString()).toContain(`"completion_tokens":6,"cost":${costOf({ inputTokens: 5, outputTokens: 6 })}}`);
    expect(meter.usage()).toMatchObject({ inputTokens: 5, outputTokens: 6 });
  });

  it("reads the usage of an upstream that priced it itself, and leaves that upstream's cost alone", () => {
    const meter = new UsageMeter('openai-chat', { costOf });
    const body = Buffer.from('{"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"cost":0.5}}');
    const edits = new ByteEdits();
    meter.read(body, edits);
    expect(edits.apply(body)).toBe(body);
    expect(meter.usage()).toMatchObject({ inputTokens: 7, outputTokens: 3 });
    expect(meter.cost()).toBeUndefined();
  });

  it('remembers the cost it put into the answer', () => {
    const meter = new UsageMeter('openai-chat', { costOf });
    meter.read(Buffer.from('{"usage":{"prompt_tokens":7,"completion_tokens":3}}'), new ByteEdits());
    expect(meter.cost()).toBe(costOf({ inputTokens: 7, outputTokens: 3 }));
  });
});

