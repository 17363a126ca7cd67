import Anthropic from '@anthropic-ai/sdk';
import type { MessageCreateParams } from '@anthropic-ai/sdk/resources/messages';
import { describe, expect, it } from 'vitest';
import { accumulateStream, anthropicMessagesCodec, ProtocolDecodeError, responseToStreamEvents, type CanonicalResponse, type CanonicalStreamEvent } from '../../src/protocols/index.js';
import * as examples from './fixtures/anthropic-messages-examples.js';
import { decodeAll, encodeAll, fetchAnswering, sseData } from './support/stream-harness.js';

describe('anthropic-messages request', () => {
  it('decodes the documented tool conversation: system blocks, tool_use, a user turn with a tool_result and text', () => {
    const request = anthropicMessagesCodec.decodeRequest(examples.weatherToolRequest);
    expect(request.system).toEqual([{ type: 'text', text: 'You are a weather bot.' }]);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: "What's the weather like in San Francisco?" }] },
      {
        role: 'assistant',
        content: [
          { type: 'text', text: "I'll check the current weather in San Francisco for you." },
          { type: 'tool_call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' },
        ],
      },
      { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'toolu_01A09q90qw90lq917835lq9', content: [{ type: 'text', text: '15 degrees' }] }] },
      { role: 'user', content: [{ type: 'text', text: 'And should I bring an umbrella?' }] },
    ]);
    expect(request).toMatchObject({ maxTokens: 1024, toolChoice: 'auto', parallelToolCalls: false, stopSequences: ['\n\nHuman:'], temperature: 0.5, user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' });
  });

  it('decodes images and thinking', () => {
    const request = anthropicMessagesCodec.decodeRequest(examples.imageRequest);
    expect(request.messages[0]!.content.slice(0, 2)).toEqual([
      { type: 'image', source: { kind: 'base64', mediaType: 'image/jpeg', data: '/9j/4AAQSkZJRg==' } },
      { type: 'image', source: { kind: 'url', url: 'https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg' } },
    ]);
    expect(request.reasoning).toEqual({ enabled: true, budgetTokens: 10000 });
    expect(request.stream).toBe(true);
  });

  it('drops server tools other providers do not have, and refuses a tool_choice that names one', () => {
    const body = { ...examples.weatherToolRequest, tools: [...examples.weatherToolRequest.tools, { type: 'web_search_20250305', name: 'web_search' }] };
    const request = anthropicMessagesCodec.decodeRequest(body);
    expect(request.tools.map((t) => t.name)).toEqual(['get_weather']);
    expect(request.unsent).toContain('tools.web_search_20250305');
    expect(() => anthropicMessagesCodec.decodeRequest({ ...body, tool_choice: { type: 'tool', name: 'web_search' } })).toThrow(/server tool other providers do not have: choose a client tool/);
  });

  it('encodes an upstream body: tool results first in their user turn, thinking budget under max_tokens', () => {
    const request = anthropicMessagesCodec.decodeRequest(examples.weatherToolRequest);
    const { body, path, dropped } = anthropicMessagesCodec.encodeRequest(request);
    expect(path).toBe('/messages');
    // the canonical model has no cache hints: an encoded body never carries them (native requests go as sent)
    expect(dropped).toEqual(['cache_control']);
    const params = body as unknown as MessageCreateParams;
    expect(params.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: "What's the weather like in San Francisco?" }] },
      examples.weatherToolRequest.messages[1],
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' }, { type: 'text', text: 'And should I bring an umbrella?' }] },
    ]);
    expect(params.tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
    expect(params.system).toBe('You are a weather bot.');
    expect(params.metadata).toEqual({ user_id: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' });

    const thinking = anthropicMessagesCodec.encodeRequest({ ...request, maxTokens: 4000, reasoning: { effort: 'high' } });
    expect(thinking.body.thinking).toEqual({ type: 'enabled', budget_tokens: 3999 });
    expect(thinking.body.temperature).toBeUndefined();
    expect(thinking.dropped).toContain('temperature');
  });
});

describe('anthropic-messages response', () => {
  it('decodes the documented messages, counting cached tokens into the input', () => {
    expect(anthropicMessagesCodec.decodeResponse(examples.textMessage)).toEqual({
      id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF',
      model: 'claude-sonnet-4-20250514',
      content: [{ type: 'text', text: 'Hi! My name is Claude.' }],
      stopReason: 'stop',
      usage: { inputTokens: 3695, outputTokens: 503, cacheReadTokens: 1500, cacheWriteTokens: 100 },
    });
    const tool = anthropicMessagesCodec.decodeResponse(examples.toolUseMessage);
    expect(tool.stopReason).toBe('tool_calls');
    expect(tool.content[1]).toEqual({ type: 'tool_call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' });
  });

  it('maps stop reasons both ways', () => {
    const base = { id: 'msg_1', model: 'm', content: [], usage: { inputTokens: 1, outputTokens: 1 } };
    const reason = (r: CanonicalResponse) => anthropicMessagesCodec.encodeResponse(r).stop_reason;
    expect(reason({ ...base, stopReason: 'stop' })).toBe('end_turn');
    expect(reason({ ...base, stopReason: 'stop', stopSequence: '###' })).toBe('stop_sequence');
    expect(reason({ ...base, stopReason: 'length' })).toBe('max_tokens');
    expect(reason({ ...base, stopReason: 'tool_calls' })).toBe('tool_use');
    expect(reason({ ...base, stopReason: 'content_filter' })).toBe('refusal');
    for (const [wire, canonical] of [['end_turn', 'stop'], ['stop_sequence', 'stop'], ['max_tokens', 'length'], ['tool_use', 'tool_calls'], ['refusal', 'content_filter']]) {
      expect(anthropicMessagesCodec.decodeResponse({ ...examples.textMessage, stop_reason: wire }).stopReason).toBe(canonical);
    }
  });

  it('encodes a message the official SDK reads, tool input as an object', async () => {
    const response = anthropicMessagesCodec.decodeResponse(examples.toolUseMessage);
    const body = anthropicMessagesCodec.encodeResponse(response);
    expect(body).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'tool_use', usage: { input_tokens: 472, output_tokens: 89, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } });
    const { fetch } = fetchAnswering(JSON.stringify(body), 'application/json');
    const client = new Anthropic({ apiKey: 'test', baseURL: 'http://gateway.test', fetch });
    const message = await client.messages.create({ model: 'claude-opus-4-1', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] });
    expect(message.content[1]).toMatchObject({ type: 'tool_use', input: { location: 'San Francisco, CA' } });
  });
});

describe('anthropic-messages stream', () => {
  it('decodes the documented basic stream, cut anywhere', () => {
    for (const cuts of [[], [0.2, 0.4, 0.6, 0.8], [0.01, 0.99]]) {
      expect(decodeAll(anthropicMessagesCodec.createStreamDecoder(), examples.toSse(examples.basicStream), cuts)).toEqual([
        { type: 'start', id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY', model: 'claude-opus-4-1-20250805', origin: 'anthropic-messages' },
        { type: 'usage', usage: { inputTokens: 25, outputTokens: 1 } },
        { type: 'text_delta', text: 'Hello' },
        { type: 'text_delta', text: '!' },
        { type: 'block_stop' },
        { type: 'finish', stopReason: 'stop' },
        { type: 'usage', usage: { inputTokens: 25, outputTokens: 15 } },
        { type: 'end' },
      ]);
    }
  });

  it('decodes the documented tool-use stream into a tool call whose input parses', () => {
    const response = accumulateStream(decodeAll(anthropicMessagesCodec.createStreamDecoder(), examples.toSse(examples.toolUseStream), [0.37, 0.71]));
    expect(response.content).toEqual([
      { type: 'text', text: "Okay, let's check the weather for San Francisco, CA:" },
      { type: 'tool_call', id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}' },
    ]);
    expect(response.stopReason).toBe('tool_calls');
    expect(response.usage).toEqual({ inputTokens: 472, outputTokens: 89 });
  });

  it('decodes the documented thinking stream with its signature', () => {
    const response = accumulateStream(decodeAll(anthropicMessagesCodec.createStreamDecoder(), examples.toSse(examples.thinkingStream)));
    expect(response.content[0]).toEqual({
      type: 'thinking',
      text: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147',
      signature: 'EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds',
      origin: 'anthropic-messages',
    });
  });

  it('decodes an error event mid-stream', () => {
    const events = decodeAll(anthropicMessagesCodec.createStreamDecoder(), examples.toSse(examples.overloadedStream));
    expect(events.slice(-2)).toEqual([{ type: 'error', message: 'Overloaded', kind: 'overloaded' }, { type: 'end' }]);
  });

  it('re-encodes the documented tool-use stream event for event', () => {
    const events = decodeAll(anthropicMessagesCodec.createStreamDecoder(), examples.toSse(examples.toolUseStream));
    const sse = encodeAll(anthropicMessagesCodec.createStreamEncoder(), events);
    const types = sseData(sse).map((e) => e.event);
    // the same sequence as the documented one, minus its empty first input_json_delta
    const delta = 'content_block_delta';
    expect(types).toEqual([
      'message_start', 'ping',
      'content_block_start', delta, delta, delta, 'content_block_stop',
      'content_block_start', delta, delta, delta, delta, delta, delta, delta, delta, 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
  });

  it('encodes a stream from another provider that the official SDK turns into a final message with parsed tool input', async () => {
    const response: CanonicalResponse = {
      id: 'chatcmpl-1',
      model: 'gpt-4.1',
      content: [
        { type: 'thinking', text: 'not for Anthropic clients', origin: 'openai-chat' },
        { type: 'text', text: 'Let me look.' },
        { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris","unit":"celsius"}' },
      ],
      stopReason: 'tool_calls',
      usage: { inputTokens: 100, outputTokens: 20, cacheReadTokens: 40 },
    };
    const events = responseToStreamEvents(response).flatMap((e): CanonicalStreamEvent[] =>
      e.type === 'tool_call_delta' ? [{ ...e, fragment: e.fragment.slice(0, 7) }, { ...e, fragment: e.fragment.slice(7) }] : [e],
    );
    const sse = encodeAll(anthropicMessagesCodec.createStreamEncoder({ model: 'claude-via-gateway' }), events);
    expect(sseData(sse).map((e) => e.event)).toEqual([
      'message_start', 'ping',
      'content_block_start', 'content_block_delta', 'content_block_stop',
      'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
      'message_delta', 'message_stop',
    ]);
    const { fetch } = fetchAnswering(sse, 'text/event-stream');
    const client = new Anthropic({ apiKey: 'test', baseURL: 'http://gateway.test', fetch });
    const stream = client.messages.stream({ model: 'claude-via-gateway', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object' } }] });
    const message = await stream.finalMessage();
    expect(message.model).toBe('claude-via-gateway');
    expect(message.content).toMatchObject([{ type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { location: 'Paris', unit: 'celsius' } }]);
    expect(message.stop_reason).toBe('tool_use');
    expect(message.usage).toMatchObject({ input_tokens: 60, output_tokens: 20, cache_read_input_tokens: 40 });
  });

  it('ends a failed stream with an error event', () => {
    const sse = encodeAll(anthropicMessagesCodec.createStreamEncoder(), [{ type: 'start', id: 'm', model: 'm' }, { type: 'text_delta', text: 'a' }, { type: 'error', message: 'boom', kind: 'overloaded' }, { type: 'end' }]);
    const last = sseData(sse).at(-1)!;
    expect(last.event).toBe('error');
    expect(JSON.parse(last.data)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'boom' } });
    expect(sseData(sse).map((e) => e.event)).not.toContain('message_stop');
  });
});

describe('anthropic error envelope', () => {
  it('decodes and encodes', () => {
    const error = anthropicMessagesCodec.decodeError({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529);
    expect(error).toEqual({ status: 529, kind: 'overloaded', message: 'Overloaded' });
    expect(anthropicMessagesCodec.encodeError(error)).toEqual({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } });
  });
});
