import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { createStreamTranslator, needsTranslation, translateError, translateRequest, translateResponse } from '../../src/protocols/index.js';
import * as anthropic from './fixtures/anthropic-messages-examples.js';
import * as gemini from './fixtures/gemini-examples.js';
import * as openai from './fixtures/openai-chat-examples.js';
import { fetchAnswering, sseData } from './support/stream-harness.js';

describe('translation entry points', () => {
  it('passes through when client and upstream speak the same protocol', () => {
    expect(needsTranslation('openai-chat', 'openai')).toBe(false);
    expect(needsTranslation('anthropic-messages', 'anthropic')).toBe(false);
    expect(needsTranslation('anthropic-messages', 'openai')).toBe(true);
    expect(needsTranslation('openai-responses', 'openai')).toBe(true);
  });

  it('translates a Claude Code style request for an OpenAI upstream, naming what it could not carry', () => {
    const { canonical, upstream } = translateRequest('anthropic-messages', 'openai-chat', { ...anthropic.weatherToolRequest, context_management: { edits: [] } });
    expect(canonical.extraFrom).toBe('anthropic-messages');
    expect(upstream.body.messages).toEqual([
      { role: 'system', content: 'You are a weather bot.' },
      { role: 'user', content: "What's the weather like in San Francisco?" },
      { role: 'assistant', content: "I'll check the current weather in San Francisco for you.", tool_calls: [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_01A09q90qw90lq917835lq9', content: '15 degrees' },
      { role: 'user', content: 'And should I bring an umbrella?' },
    ]);
    expect(upstream.body).toMatchObject({ max_completion_tokens: 1024, parallel_tool_calls: false, stop: ['\n\nHuman:'], user: '13803d75-b4b5-4c3e-b2a2-6f21399b021b' });
    expect(upstream.dropped).toEqual(['context_management', 'cache_control']);
  });

  it('translates an upstream answer and an upstream error for the client', () => {
    const { body } = translateResponse('anthropic-messages', 'openai-chat', anthropic.toolUseMessage, { clientModel: 'my-claude' });
    expect(body).toMatchObject({ model: 'my-claude', choices: [{ finish_reason: 'tool_calls', message: { content: "I'll check the current weather in San Francisco for you." } }] });
    const error = translateError('anthropic-messages', 'openai-chat', { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 529, 'req_1');
    expect(error.canonical.kind).toBe('overloaded');
    expect(error.body).toEqual({ error: { message: 'Overloaded', type: 'server_error', code: null, param: null, request_id: 'req_1' } });
  });

  it('streams a Gemini answer to the official OpenAI SDK as chat.completion chunks', async () => {
    const translator = createStreamTranslator('gemini', 'openai-chat', { model: 'gemini-2.5-flash', includeUsage: true });
    const body = gemini.toSse([...gemini.textStreamChunks.slice(1, 2), ...gemini.functionCallStreamChunks]);
    let sse = '';
    for (let i = 0; i < body.length; i += 37) sse += translator.push(new TextEncoder().encode(body.slice(i, i + 37)));
    sse += translator.end();
    const { fetch } = fetchAnswering(sse, 'text/event-stream');
    const client = new OpenAI({ apiKey: 'test', baseURL: 'http://gateway.test/v1', fetch });
    const final = await client.chat.completions.stream({ model: 'gemini-2.5-flash', messages: [{ role: 'user', content: 'meet?' }], stream_options: { include_usage: true } }).finalChatCompletion();
    expect(final.choices[0]!.message.content).toBe('AI works ');
    const call = final.choices[0]!.message.tool_calls![0]!;
    expect(call.type === 'function' && JSON.parse(call.function.arguments)).toEqual({ attendees: ['Bob', 'Alice'], date: '2025-03-27', time: '10:00', topic: 'Q3 planning' });
    expect(final.choices[0]!.finish_reason).toBe('tool_calls');
    expect(final.usage).toMatchObject({ prompt_tokens: 120, completion_tokens: 30 });
    expect(translator.response().usage).toMatchObject({ inputTokens: 120, outputTokens: 30 });
  });

  it('streams an OpenAI answer to the official Anthropic SDK', async () => {
    const translator = createStreamTranslator('openai-chat', 'anthropic-messages');
    const sse = translator.push(openai.toSse(openai.toolCallStreamChunks)) + translator.end();
    const { fetch } = fetchAnswering(sse, 'text/event-stream');
    const client = new Anthropic({ apiKey: 'test', baseURL: 'http://gateway.test', fetch });
    const message = await client.messages.stream({ model: 'gpt-4.1', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }] }).finalMessage();
    expect(message.content).toMatchObject([{ type: 'tool_use', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', input: { location: 'Paris, France' } }]);
    expect(message.stop_reason).toBe('tool_use');
  });

  it('ends with an in-band error in the client protocol when the upstream dies mid-stream', () => {
    const translator = createStreamTranslator('anthropic-messages', 'openai-chat');
    const partial = anthropic.toSse(anthropic.basicStream.slice(0, 4));
    const sse = translator.push(partial) + translator.end('upstream connection dropped mid-stream');
    const last = JSON.parse(sseData(sse).at(-1)!.data) as { error: { message: string } };
    expect(last.error.message).toBe('upstream connection dropped mid-stream');
    expect(sse).not.toContain('[DONE]');
    expect(translator.error).toBe('upstream connection dropped mid-stream');
    // and a body that simply stops is caught by the decoder itself
    const cut = createStreamTranslator('anthropic-messages', 'anthropic-messages');
    const out = cut.push(partial) + cut.end();
    expect(sseData(out).at(-1)!.event).toBe('error');
  });
});
