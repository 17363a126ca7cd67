import { describe, expect, it } from 'vitest';
import { accumulateStream, geminiCodec, openAIChatCodec, responseToStreamEvents } from '../../src/protocols/index.js';
import { FOREIGN_THOUGHT_SIGNATURE } from '../../src/protocols/gemini/index.js';
import * as examples from './fixtures/gemini-examples.js';
import * as openai from './fixtures/openai-chat-examples.js';
import { decodeAll, encodeAll, sseData } from './support/stream-harness.js';

describe('gemini request', () => {
  it('encodes an OpenAI client request as generateContent: roles, systemInstruction, functionDeclarations, toolConfig, generationConfig', () => {
    const request = openAIChatCodec.decodeRequest(openai.toolResultRequest);
    request.tools = openAIChatCodec.decodeRequest(openai.weatherToolRequest).tools;
    request.toolChoice = { name: 'get_current_weather' };
    request.system = [{ type: 'text', text: 'Be brief.' }];
    const { path, body, dropped } = geminiCodec.encodeRequest(request);
    expect(path).toBe('/models/gpt-4.1:streamGenerateContent?alt=sse');
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'What is the weather like in Boston today?' }] },
      { role: 'model', parts: [{ functionCall: { name: 'get_current_weather', args: { location: 'Boston, MA' } }, thoughtSignature: FOREIGN_THOUGHT_SIGNATURE }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_current_weather', response: { result: '{"temperature": "22", "unit": "celsius", "description": "Sunny"}' } } }] },
    ]);
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(body.tools).toEqual([{ functionDeclarations: [{ name: 'get_current_weather', description: 'Get the current weather in a given location', parametersJsonSchema: openai.weatherToolRequest.tools[0]!.function.parameters }] }]);
    expect(body.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_current_weather'] } });
    expect(body.generationConfig).toEqual({
      maxOutputTokens: 300,
      stopSequences: ['\n\n'],
      responseMimeType: 'application/json',
      responseJsonSchema: { type: 'object', properties: { summary: { type: 'string' } } },
      thinkingConfig: { thinkingBudget: 2048, includeThoughts: true },
    });
    expect(dropped).toEqual(['user']);
    expect(geminiCodec.encodeRequest({ ...request, stream: false, model: 'models/gemini-2.5-flash' }).path).toBe('/models/gemini-2.5-flash:generateContent');
  });

  it('decodes the documented function-calling request, pairing the response with its call', () => {
    const request = geminiCodec.decodeRequest(examples.functionCallingRequest);
    const call = request.messages[1]!.content[0]!;
    expect(call).toMatchObject({ type: 'tool_call', name: 'schedule_meeting', signature: 'CiwBjz1rX5' });
    expect(JSON.parse((call as { arguments: string }).arguments)).toEqual({ attendees: ['Bob', 'Alice'], date: '2025-03-27', time: '10:00', topic: 'Q3 planning' });
    expect(request.messages[2]).toEqual({ role: 'tool', content: [{ type: 'tool_result', toolCallId: (call as { id: string }).id, content: [{ type: 'text', text: 'Meeting scheduled.' }] }] });
    expect(request).toMatchObject({ toolChoice: { name: 'schedule_meeting' }, maxTokens: 800, temperature: 0.2, topP: 0.8, stopSequences: ['Title'], reasoning: { enabled: true, budgetTokens: 1024 } });
    // the model's own signature goes back unchanged
    expect(geminiCodec.encodeRequest(request).body.contents).toEqual(examples.functionCallingRequest.contents);
  });
});

describe('gemini response', () => {
  it('decodes text, finish reason and usage metadata (thoughts count as output)', () => {
    expect(geminiCodec.decodeResponse(examples.textResponse)).toEqual({
      id: 'Hq1iaN_rLfaj1dkP3d_Y2AY',
      model: 'gemini-2.5-flash',
      content: [{ type: 'text', text: 'AI works by learning patterns from data.' }],
      stopReason: 'stop',
      usage: { inputTokens: 4, outputTokens: 1554, cacheReadTokens: 2, reasoningTokens: 904 },
    });
  });

  it('decodes a function call with a generated id and its signature; STOP after a call means tool_calls', () => {
    const response = geminiCodec.decodeResponse(examples.functionCallResponse, { model: 'fallback' });
    expect(response.stopReason).toBe('tool_calls');
    expect(response.content[1]).toMatchObject({ type: 'tool_call', name: 'schedule_meeting', signature: 'CiwBjz1rX5' });
    expect((response.content[1] as { id: string }).id).toMatch(/^call_/);
  });

  it('maps finish reasons', () => {
    const reason = (finishReason: string) => geminiCodec.decodeResponse({ ...examples.textResponse, candidates: [{ ...examples.textResponse.candidates[0], finishReason }] }).stopReason;
    expect(reason('MAX_TOKENS')).toBe('length');
    expect(reason('SAFETY')).toBe('content_filter');
    expect(reason('RECITATION')).toBe('content_filter');
    expect(reason('MALFORMED_FUNCTION_CALL')).toBe('error');
    expect(geminiCodec.decodeResponse({ promptFeedback: { blockReason: 'SAFETY' } }).stopReason).toBe('content_filter');
  });
});

describe('gemini stream', () => {
  it('decodes the SSE stream: thoughts, text, finish and usage', () => {
    const events = decodeAll(geminiCodec.createStreamDecoder({ model: 'gemini-2.5-flash' }), examples.toSse(examples.textStreamChunks), [0.3, 0.6]);
    expect(events[0]).toEqual({ type: 'start', id: 'abc123', model: 'gemini-2.5-flash', origin: 'gemini' });
    const response = accumulateStream(events);
    expect(response.content).toEqual([{ type: 'thinking', text: '**Thinking about AI**' }, { type: 'text', text: 'AI works by learning patterns.' }]);
    expect(response.stopReason).toBe('stop');
    expect(response.usage).toEqual({ inputTokens: 4, outputTokens: 28, reasoningTokens: 20 });
  });

  it('decodes a whole function call part into start, arguments and stop', () => {
    const events = decodeAll(geminiCodec.createStreamDecoder(), examples.toSse(examples.functionCallStreamChunks));
    expect(events.map((e) => e.type)).toEqual(['start', 'tool_call_start', 'tool_call_delta', 'block_stop', 'finish', 'usage', 'end']);
    expect(accumulateStream(events)).toMatchObject({ stopReason: 'tool_calls', content: [{ type: 'tool_call', name: 'schedule_meeting', signature: 'CiwBjz1rX5' }] });
  });

  it('treats a stream without a finish reason as cut short, and an error chunk as an error', () => {
    const cut = decodeAll(geminiCodec.createStreamDecoder(), examples.toSse(examples.textStreamChunks.slice(0, 2)));
    expect(cut.at(-2)).toEqual({ type: 'error', message: 'upstream ended the stream before its final event' });
    const failed = decodeAll(geminiCodec.createStreamDecoder(), examples.toSse([examples.textStreamChunks[0], { error: { code: 503, message: 'The model is overloaded.', status: 'UNAVAILABLE' } }]));
    expect(failed.slice(-2)).toEqual([{ type: 'error', message: 'The model is overloaded.', kind: 'overloaded' }, { type: 'end' }]);
  });

  it('encodes a stream its decoder reads back, function calls whole', () => {
    const response = geminiCodec.decodeResponse(examples.functionCallResponse);
    const sse = encodeAll(geminiCodec.createStreamEncoder(), responseToStreamEvents(response));
    expect(sseData(sse)).toHaveLength(3);
    const back = accumulateStream(decodeAll(geminiCodec.createStreamDecoder(), sse));
    expect(back.content).toEqual(response.content.map((p) => (p.type === 'tool_call' ? { ...p, id: expect.stringMatching(/^call_/) } : p)));
    expect(back.usage).toEqual(response.usage);
  });
});

describe('gemini error envelope', () => {
  it('decodes and encodes, array-wrapped too', () => {
    const body = [{ error: { code: 429, message: 'Resource has been exhausted', status: 'RESOURCE_EXHAUSTED' } }];
    const error = geminiCodec.decodeError(body, 429);
    expect(error).toEqual({ status: 429, kind: 'rate_limit', message: 'Resource has been exhausted' });
    expect(geminiCodec.encodeError(error)).toEqual(body[0]);
  });
});
