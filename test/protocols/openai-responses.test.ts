import OpenAI from 'openai';
import type { ResponseStreamEvent } from 'openai/resources/responses/responses';
import { describe, expect, it } from 'vitest';
import { accumulateStream, openAIResponsesCodec, ProtocolDecodeError, responseToStreamEvents, type CanonicalResponse, type CanonicalStreamEvent } from '../../src/protocols/index.js';
import * as examples from './fixtures/openai-responses-examples.js';
import { decodeAll, encodeAll, fetchAnswering, sseData } from './support/stream-harness.js';

const toolCallResponse: CanonicalResponse = {
  id: 'msg_01',
  model: 'claude-sonnet-4-5',
  created: 1741290958,
  content: [
    { type: 'thinking', text: 'The user wants the weather.', signature: 'sig', origin: 'anthropic-messages' },
    { type: 'text', text: 'Let me check.' },
    { type: 'tool_call', id: 'toolu_01', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
  ],
  stopReason: 'tool_calls',
  usage: { inputTokens: 57, outputTokens: 18, cacheReadTokens: 7, reasoningTokens: 5 },
};

describe('openai-responses request', () => {
  it('decodes a string input', () => {
    const request = openAIResponsesCodec.decodeRequest(examples.textRequest);
    expect(request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Tell me a three sentence bedtime story about a unicorn.' }] }]);
    expect(request.includeUsage).toBe(true);
  });

  it('decodes instructions, function_call and function_call_output items, flat tools, text.format and reasoning', () => {
    const request = openAIResponsesCodec.decodeRequest(examples.functionCallRequest);
    expect(request.system).toEqual([{ type: 'text', text: 'You are a helpful assistant.' }]);
    expect(request.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'What is the weather like in Paris today?' }] },
      { role: 'assistant', content: [{ type: 'tool_call', id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' }] },
      { role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_12345xyz', content: [{ type: 'text', text: '14' }] }] },
    ]);
    expect(request.tools[0]).toMatchObject({ name: 'get_weather', description: 'Get current temperature for a given location.', strict: true });
    expect(request).toMatchObject({ maxTokens: 500, reasoning: { effort: 'medium' }, stream: true, responseFormat: { type: 'json_schema', name: 'answer', strict: true } });
  });

  it('is stateless: previous_response_id is refused', () => {
    expect(() => openAIResponsesCodec.decodeRequest({ ...examples.textRequest, previous_response_id: 'resp_1' })).toThrow(ProtocolDecodeError);
  });
});

describe('openai-responses response', () => {
  it('decodes the documented responses', () => {
    const text = openAIResponsesCodec.decodeResponse(examples.textResponse);
    expect(text).toMatchObject({ id: examples.textResponse.id, model: 'gpt-4.1-2025-04-14', stopReason: 'stop', usage: { inputTokens: 36, outputTokens: 87, cacheReadTokens: 0, reasoningTokens: 0 } });
    expect(text.content).toEqual([{ type: 'text', text: examples.textResponse.output[0]!.content[0]!.text }]);
    const call = openAIResponsesCodec.decodeResponse(examples.functionCallResponse);
    expect(call.content).toEqual([{ type: 'tool_call', id: 'call_12345xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' }]);
    expect(call.stopReason).toBe('tool_calls');
  });

  it('encodes output items and usage that the official SDK reads', async () => {
    const body = openAIResponsesCodec.encodeResponse(toolCallResponse);
    expect(body).toMatchObject({ object: 'response', status: 'completed', usage: { input_tokens: 57, output_tokens: 18, total_tokens: 75, input_tokens_details: { cached_tokens: 7 }, output_tokens_details: { reasoning_tokens: 5 } } });
    const { fetch } = fetchAnswering(JSON.stringify(body), 'application/json');
    const client = new OpenAI({ apiKey: 'test', baseURL: 'http://gateway.test/v1', fetch });
    const response = await client.responses.create({ model: 'claude-sonnet-4-5', input: 'weather?' });
    expect(response.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call']);
    expect(response.output_text).toBe('Let me check.');
    expect(response.output[2]).toMatchObject({ type: 'function_call', call_id: 'toolu_01', name: 'get_weather', arguments: '{"location":"Paris, France"}' });
  });

  it('reports a length stop as incomplete', () => {
    const body = openAIResponsesCodec.encodeResponse({ ...toolCallResponse, content: [{ type: 'text', text: 'cut' }], stopReason: 'length' });
    expect(body).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } });
  });
});

describe('openai-responses stream', () => {
  it('decodes the documented text and function call streams', () => {
    const text = decodeAll(openAIResponsesCodec.createStreamDecoder(), examples.toSse(examples.textStream), [0.5]);
    expect(accumulateStream(text)).toMatchObject({ content: [{ type: 'text', text: 'Hi there! How can I assist you today?' }], stopReason: 'stop', usage: { inputTokens: 37, outputTokens: 11 } });
    const call = decodeAll(openAIResponsesCodec.createStreamDecoder(), examples.toSse(examples.functionCallStream));
    expect(accumulateStream(call)).toMatchObject({ content: [{ type: 'tool_call', id: 'call_1234xyz', name: 'get_weather', arguments: '{"location":"Paris, France"}' }], stopReason: 'tool_calls' });
  });

  it('encodes the documented event names with a rising sequence_number', () => {
    const sse = encodeAll(openAIResponsesCodec.createStreamEncoder(), responseToStreamEvents({ ...toolCallResponse, content: toolCallResponse.content.slice(1) }));
    const events = sseData(sse).map((e) => ({ name: e.event, data: JSON.parse(e.data) as ResponseStreamEvent }));
    expect(events.map((e) => e.name)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.output_item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    events.forEach((e, i) => {
      expect(e.data.type).toBe(e.name);
      expect(e.data.sequence_number).toBe(i);
    });
  });

  it('streams text, reasoning and a function call that the official SDK accumulates into the final response', async () => {
    const events = responseToStreamEvents(toolCallResponse).flatMap((e): CanonicalStreamEvent[] =>
      e.type === 'text_delta' ? [{ ...e, text: 'Let me ' }, { ...e, text: 'check.' }] : e.type === 'tool_call_delta' ? [{ ...e, fragment: '{"location":' }, { ...e, fragment: '"Paris, France"}' }] : [e],
    );
    const sse = encodeAll(openAIResponsesCodec.createStreamEncoder({ model: 'my-alias' }), events);
    const { fetch } = fetchAnswering(sse, 'text/event-stream');
    const client = new OpenAI({ apiKey: 'test', baseURL: 'http://gateway.test/v1', fetch });
    const deltas: string[] = [];
    const stream = client.responses.stream({ model: 'my-alias', input: 'weather?' }).on('response.output_text.delta', (e) => deltas.push(e.delta));
    const final = await stream.finalResponse();
    expect(deltas).toEqual(['Let me ', 'check.']);
    expect(final.model).toBe('my-alias');
    expect(final.status).toBe('completed');
    expect(final.output_text).toBe('Let me check.');
    expect(final.output.find((item) => item.type === 'function_call')).toMatchObject({ call_id: 'toolu_01', name: 'get_weather', arguments: '{"location":"Paris, France"}' });
    expect(final.output.find((item) => item.type === 'reasoning')).toMatchObject({ summary: [{ type: 'summary_text', text: 'The user wants the weather.' }] });
    expect(final.usage).toMatchObject({ input_tokens: 57, output_tokens: 18 });
  });

  it('ends a failed stream with response.failed', () => {
    const sse = encodeAll(openAIResponsesCodec.createStreamEncoder(), [{ type: 'start', id: 'r', model: 'm' }, { type: 'text_delta', text: 'Par' }, { type: 'error', message: 'upstream connection dropped mid-stream' }, { type: 'end' }]);
    const last = sseData(sse).at(-1)!;
    expect(last.event).toBe('response.failed');
    expect(JSON.parse(last.data)).toMatchObject({ response: { status: 'failed', error: { code: 'server_error', message: 'upstream connection dropped mid-stream' } } });
  });
});
