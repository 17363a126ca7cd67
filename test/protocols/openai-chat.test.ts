import OpenAI from 'openai';
import type { ChatCompletion, ChatCompletionChunk, ChatCompletionCreateParams } from 'openai/resources/chat/completions';
import { describe, expect, it } from 'vitest';
import { accumulateStream, openAIChatCodec, ProtocolDecodeError, responseToStreamEvents, type CanonicalResponse } from '../../src/protocols/index.js';
import * as examples from './fixtures/openai-chat-examples.js';
import { decodeAll, encodeAll, fetchAnswering, sseData } from './support/stream-harness.js';

describe('openai-chat request', () => {
  it('decodes the documented tool request', () => {
    const request = openAIChatCodec.decodeRequest(examples.weatherToolRequest);
    expect(request.model).toBe('gpt-4.1');
    expect(request.system).toEqual([{ type: 'text', text: 'You are a helpful assistant.' }]);
    expect(request.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'What is the weather like in Boston today?' }] }]);
    expect(request.tools).toEqual([{ name: 'get_current_weather', description: 'Get the current weather in a given location', parameters: examples.weatherToolRequest.tools[0]!.function.parameters }]);
    expect(request.toolChoice).toBe('auto');
    expect(request.stream).toBe(false);
  });

  it('decodes a tool call, a tool result and the request options', () => {
    const request = openAIChatCodec.decodeRequest(examples.toolResultRequest);
    expect(request.messages[1]).toEqual({ role: 'assistant', content: [{ type: 'tool_call', id: 'call_abc123', name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' }] });
    expect(request.messages[2]).toEqual({ role: 'tool', content: [{ type: 'tool_result', toolCallId: 'call_abc123', content: [{ type: 'text', text: '{"temperature": "22", "unit": "celsius", "description": "Sunny"}' }] }] });
    expect(request).toMatchObject({
      maxTokens: 300,
      stopSequences: ['\n\n'],
      responseFormat: { type: 'json_schema', name: 'weather', strict: true },
      reasoning: { effort: 'low' },
      user: 'user-1234',
      stream: true,
      includeUsage: true,
      extra: {},
    });
  });

  it('decodes image parts, URL and data URL', () => {
    const request = openAIChatCodec.decodeRequest(examples.visionRequest);
    expect(request.messages[0]!.content).toEqual([
      { type: 'text', text: "What's in this image?" },
      { type: 'image', source: { kind: 'url', url: examples.visionRequest.messages[0]!.content[1]!.image_url!.url } },
      { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
    ]);
    expect(request.maxTokens).toBe(300);
  });

  it('keeps unknown parameters for an OpenAI upstream and reports them as dropped for others', () => {
    const request = openAIChatCodec.decodeRequest({ ...examples.weatherToolRequest, logit_bias: { '50256': -100 }, service_tier: 'flex' });
    expect(request.extra).toEqual({ logit_bias: { '50256': -100 }, service_tier: 'flex' });
    const encoded = openAIChatCodec.encodeRequest(request);
    expect(encoded.body).toMatchObject({ logit_bias: { '50256': -100 }, service_tier: 'flex' });
    expect(encoded.dropped).toEqual([]);
  });

  it('rejects what it cannot translate with a 400 that names the parameter', () => {
    const audio = { model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'x', format: 'wav' } }] }] };
    expect(() => openAIChatCodec.decodeRequest(audio)).toThrow(ProtocolDecodeError);
    try {
      openAIChatCodec.decodeRequest(audio);
    } catch (error) {
      expect((error as ProtocolDecodeError).param).toBe('messages[0].content[0]');
    }
    expect(() => openAIChatCodec.decodeRequest({ model: 'm', messages: [] })).toThrow(/messages/);
  });

  it('encodes an upstream body that type-checks as the SDK params and asks for usage when streaming', () => {
    const request = openAIChatCodec.decodeRequest(examples.toolResultRequest);
    const encoded = openAIChatCodec.encodeRequest(request);
    expect(encoded.path).toBe('/chat/completions');
    const body = encoded.body as unknown as ChatCompletionCreateParams;
    expect(body.messages).toEqual(examples.toolResultRequest.messages);
    expect(body).toMatchObject({ max_completion_tokens: 300, stream: true, stream_options: { include_usage: true }, reasoning_effort: 'low', stop: ['\n\n'] });
    expect(openAIChatCodec.encodeRequest(request, { maxTokensField: 'max_tokens' }).body.max_tokens).toBe(300);
  });
});

describe('openai-chat response', () => {
  it('decodes the documented text and tool call completions', () => {
    const text = openAIChatCodec.decodeResponse(examples.textCompletion);
    expect(text).toEqual({
      id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT',
      model: 'gpt-4.1-2025-04-14',
      created: 1741569952,
      content: [{ type: 'text', text: 'Hello! How can I assist you today?' }],
      stopReason: 'stop',
      usage: { inputTokens: 19, outputTokens: 10, cacheReadTokens: 0, reasoningTokens: 0 },
    });
    const tool = openAIChatCodec.decodeResponse(examples.toolCallCompletion);
    expect(tool.content).toEqual([{ type: 'tool_call', id: 'call_abc123', name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' }]);
    expect(tool.stopReason).toBe('tool_calls');
  });

  it('encodes a completion that round-trips through its own decoder', () => {
    const decoded = openAIChatCodec.decodeResponse(examples.toolCallCompletion);
    const encoded = openAIChatCodec.encodeResponse(decoded) as unknown as ChatCompletion;
    expect(encoded.choices[0]!.message.tool_calls).toEqual(examples.toolCallCompletion.choices[0]!.message.tool_calls);
    expect(encoded.choices[0]!.finish_reason).toBe('tool_calls');
    expect(encoded.usage).toMatchObject({ prompt_tokens: 82, completion_tokens: 17, total_tokens: 99 });
    expect(openAIChatCodec.decodeResponse(encoded)).toEqual({ ...decoded, usage: { ...decoded.usage, cacheReadTokens: 0 } });
  });
});

describe('openai-chat stream', () => {
  it('decodes the documented text stream, cut anywhere', () => {
    for (const cuts of [[], [0.1, 0.5, 0.51, 0.9], [0.33, 0.66]]) {
      const events = decodeAll(openAIChatCodec.createStreamDecoder(), examples.toSse(examples.textStreamChunks), cuts);
      expect(events).toEqual([
        { type: 'start', id: 'chatcmpl-123', model: 'gpt-4o-mini', created: 1694268190 },
        { type: 'text_delta', text: 'Hello' },
        { type: 'text_delta', text: '!' },
        { type: 'finish', stopReason: 'stop' },
        { type: 'usage', usage: { inputTokens: 9, outputTokens: 2 } },
        { type: 'end' },
      ]);
    }
  });

  it('decodes the documented streamed tool call', () => {
    const events = decodeAll(openAIChatCodec.createStreamDecoder(), examples.toSse(examples.toolCallStreamChunks));
    const response = accumulateStream(events);
    expect(response.content).toEqual([{ type: 'tool_call', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: '{"location":"Paris, France"}' }]);
    expect(response.stopReason).toBe('tool_calls');
  });

  it('reports a stream cut before its end as an error', () => {
    const sse = examples.toSse(examples.textStreamChunks.slice(0, 2), false);
    const events = decodeAll(openAIChatCodec.createStreamDecoder(), sse);
    expect(events.slice(-2)).toEqual([{ type: 'error', message: 'upstream ended the stream before its final event' }, { type: 'end' }]);
  });

  it('encodes chunks with a usage chunk and [DONE], which the official SDK accumulates', async () => {
    const response: CanonicalResponse = {
      id: 'chatcmpl-x',
      model: 'gpt-4.1',
      created: 1700000000,
      content: [{ type: 'text', text: 'Checking.' }, { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: '{"location":"Paris"}' }],
      stopReason: 'tool_calls',
      usage: { inputTokens: 50, outputTokens: 12, cacheReadTokens: 20 },
    };
    const sse = encodeAll(openAIChatCodec.createStreamEncoder({ includeUsage: true }), responseToStreamEvents(response));
    const data = sseData(sse);
    expect(data.at(-1)!.data).toBe('[DONE]');
    const usageChunk = JSON.parse(data.at(-2)!.data) as ChatCompletionChunk;
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: 50, completion_tokens: 12, prompt_tokens_details: { cached_tokens: 20 } });

    const { fetch } = fetchAnswering(sse, 'text/event-stream');
    const client = new OpenAI({ apiKey: 'test', baseURL: 'http://gateway.test/v1', fetch });
    const stream = client.chat.completions.stream({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }], stream_options: { include_usage: true } });
    const final = await stream.finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('Checking.');
    expect(final.choices[0]!.message.tool_calls).toEqual([{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }]);
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.usage?.prompt_tokens).toBe(50);
  });

  it('ends a failed stream with an in-band error chunk and no [DONE]', () => {
    const sse = encodeAll(openAIChatCodec.createStreamEncoder({ requestId: 'req_1' }), [
      { type: 'start', id: 'c1', model: 'm' },
      { type: 'text_delta', text: 'Par' },
      { type: 'error', message: 'upstream connection dropped mid-stream' },
      { type: 'end' },
    ]);
    const data = sseData(sse);
    expect(data.map((d) => d.data)).not.toContain('[DONE]');
    const last = JSON.parse(data.at(-1)!.data) as { choices: Array<{ finish_reason: string }>; error: { message: string; request_id: string } };
    expect(last.choices[0]!.finish_reason).toBe('error');
    expect(last.error).toMatchObject({ message: 'upstream connection dropped mid-stream', request_id: 'req_1' });
  });
});

describe('openai error envelope', () => {
  it('decodes and encodes', () => {
    const error = openAIChatCodec.decodeError({ error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded' } }, 429);
    expect(error).toEqual({ status: 429, kind: 'rate_limit', message: 'Rate limit reached', code: 'rate_limit_exceeded' });
    expect(openAIChatCodec.encodeError({ ...error, requestId: 'req_9' })).toEqual({ error: { message: 'Rate limit reached', type: 'rate_limit_error', code: 'rate_limit_exceeded', param: null, request_id: 'req_9' } });
  });
});
