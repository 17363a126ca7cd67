/**
 * Failover across wire formats, over real HTTP: the same model served by an Anthropic upstream first and
 * an OpenAI-compatible one second. A 529 overloaded_error (or a 429) from Anthropic switches to the OpenAI
 * upstream before the first byte, for a /v1/messages client and a /v1/chat/completions client alike, and
 * the client gets an ordinary answer in its own protocol. The reverse direction, and the rules that do
 * not fail over (a request error), hold across formats too.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider } from './harness.js';
import { anthropicClient, anthropicProvider, post, servedBytes, sseEvents, useProtocolE2E, type AnthropicErrorBody } from './protocols-harness.js';

const e2e = useProtocolE2E();
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello' }];

async function anthropicThenOpenAI() {
  const claude = await e2e.anthropicMock();
  const oai = await e2e.mock();
  const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude), oai: provider('oai', oai) }, models: [chatModel(['claude', 'oai'])] });
  return { claude, oai, gw };
}

interface Health {
  upstreams: Record<string, { state: string; lastError?: string }>;
}

describe('e2e: an Anthropic 529 fails over to an OpenAI-format upstream, the client none the wiser', () => {
  it('a /v1/messages client (messages.create): a normal Anthropic message from the OpenAI upstream', async () => {
    const { claude, oai, gw } = await anthropicThenOpenAI();
    claude.setDefault({ status: 529 });
    oai.setDefault({ content: 'Hello from the second upstream' });

    const { data: message, response } = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 64, messages: question }).withResponse();
    expect(message).toMatchObject({ type: 'message', role: 'assistant', stop_reason: 'end_turn', content: [{ type: 'text', text: 'Hello from the second upstream' }] });
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    expect(response.headers.get('x-anyrouter-upstream')).toBe('oai');
    // the Anthropic upstream got the client's request as is, the OpenAI one a translation
    expect(claude.requests).toHaveLength(1);
    expect(claude.requests[0]!.body).toMatchObject({ model: 'claude-model', max_tokens: 64 });
    expect(oai.requests[0]!.body).toMatchObject({ model: 'oai-model', messages: [{ role: 'user', content: 'Say hello' }] });

    const health = (await (await fetch(`${gw.url}/health`)).json()) as Health;
    // one 529 is counted against the upstream, not an ejection
    expect(health.upstreams['claude/claude-model']).toMatchObject({ state: 'healthy', lastError: 'http_529', consecutiveFailures: 1 });
  });

  it('a /v1/messages client (messages.stream): a clean Anthropic event stream from the OpenAI upstream', async () => {
    const { claude, oai, gw } = await anthropicThenOpenAI();
    claude.setDefault({ status: 529 });
    oai.setDefault({ toolCall: { name: 'get_weather', arguments: { city: 'Paris' } }, chunks: 3 });

    const stream = anthropicClient(gw).messages.stream({ model: MODEL, max_tokens: 64, messages: question, tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }] });
    const types: string[] = [];
    for await (const event of stream) types.push(event.type);
    const final = await stream.finalMessage();
    expect(types[0]).toBe('message_start');
    expect(types.at(-1)).toBe('message_stop');
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } });
    expect(claude.requests).toHaveLength(1);
    expect(oai.requests).toHaveLength(1);
  });

  it('a /v1/chat/completions client, streaming and not: an ordinary OpenAI answer', async () => {
    const { claude, oai, gw } = await anthropicThenOpenAI();
    claude.setDefault({ status: 529 });
    oai.setDefault({ content: 'abcdef', chunks: 3 });

    const { data, response } = await gw.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('abcdef');
    expect(response.headers.get('x-anyrouter-upstream')).toBe('oai');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    // the Anthropic upstream got a translation of the chat request
    expect(claude.requests[0]!.body).toMatchObject({ model: 'claude-model', messages: [{ role: 'user', content: [{ type: 'text', text: 'Say hello' }] }] });

    // the Anthropic upstream is cooling now, so make a fresh gateway for the streaming case
    const again = await anthropicThenOpenAI();
    again.claude.setDefault({ status: 529 });
    again.oai.setDefault({ content: 'abcdef', chunks: 3 });
    const stream = await again.gw.client().chat.completions.create({ model: MODEL, messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abcdef');
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(again.claude.requests).toHaveLength(1);
  });

  it('a 429 from Anthropic fails over the same way', async () => {
    const { claude, oai, gw } = await anthropicThenOpenAI();
    claude.setDefault({ status: 429, headers: { 'retry-after': '30' } });
    const message = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 64, messages: question });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(oai.requests).toHaveLength(1);
  });
});

describe('e2e: failover from a translated attempt to a native one, and what does not fail over', () => {
  it('an OpenAI upstream answering 503 first: the /v1/messages client gets the Anthropic upstream\'s bytes', async () => {
    const oai = await e2e.mock({ default: { status: 503 } });
    const claude = await e2e.anthropicMock({ default: { content: 'native answer', chunks: 2 } });
    const gw = await e2e.gateway({ providers: { oai: provider('oai', oai), claude: anthropicProvider('claude', claude) }, models: [chatModel(['oai', 'claude'])] });
    const response = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: question });
    expect(response.headers.get('x-anyrouter-upstream')).toBe('claude');
    expect(await response.text()).toBe(servedBytes(claude.requests[0]!.sent, 'claude-model'));
    expect(oai.requests).toHaveLength(1);
  });

  it('an Anthropic 400 is the request\'s fault: returned in Anthropic\'s envelope, no failover', async () => {
    const { claude, oai, gw } = await anthropicThenOpenAI();
    claude.setDefault({ status: 400, message: 'messages.0.content: Input should be a valid list' });
    const response = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, messages: question });
    expect(response.status).toBe(400);
    const body = (await response.json()) as AnthropicErrorBody;
    expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: 'messages.0.content: Input should be a valid list' } });
    expect(oai.requests).toHaveLength(0);

    // to an OpenAI client the same upstream error arrives in OpenAI's envelope
    const chat = await gw.postChat({ model: MODEL, messages });
    expect(chat.status).toBe(400);
    expect(await chat.json()).toMatchObject({ error: { type: 'invalid_request_error', message: 'messages.0.content: Input should be a valid list', request_id: chat.headers.get('x-anyrouter-request-id') } });
    expect(oai.requests).toHaveLength(0);
  });

  it('every upstream failing is a 502 in the client\'s envelope', async () => {
    const { claude, oai, gw } = await anthropicThenOpenAI();
    claude.setDefault({ status: 529 });
    oai.setDefault({ status: 500 });
    const response = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, messages: question });
    expect(response.status).toBe(502);
    const body = (await response.json()) as AnthropicErrorBody;
    expect(body).toMatchObject({ type: 'error', error: { type: 'api_error', message: expect.stringContaining('http_529') } });
  });

  it('keep-alives while a slow Anthropic upstream answers 529 are not a first byte: the stream still fails over', async () => {
    const claude = await e2e.anthropicMock({ default: { status: 529, delayMs: 200 } });
    const oai = await e2e.mock({ default: { content: 'after the wait', chunks: 2 } });
    const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude), oai: provider('oai', oai) }, models: [chatModel(['claude', 'oai'])], routing: { keepAliveMs: 40 } });
    const response = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: question });
    const text = await response.text();
    expect(text.startsWith(': keep-alive')).toBe(true);
    const names = sseEvents(text).map((e) => e.event);
    expect([names[0], names.at(-1)]).toEqual(['message_start', 'message_stop']);
    const final = await anthropicClient(gw).messages.stream({ model: MODEL, max_tokens: 64, messages: question }).finalMessage();
    expect(final.content).toEqual([expect.objectContaining({ type: 'text', text: 'after the wait' })]);

    // when every upstream fails after the keep-alives committed the 200, the error arrives in-band
    oai.setDefault({ status: 500, delayMs: 100 });
    const failed = await post(gw, '/v1/messages', { model: MODEL, max_tokens: 64, stream: true, messages: question });
    expect(failed.status).toBe(200);
    const events = sseEvents(await failed.text());
    expect(events).toHaveLength(1);
    expect(events[0]!.event).toBe('error');
    expect(JSON.parse(events[0]!.data)).toMatchObject({ type: 'error', error: { type: 'api_error' }, request_id: failed.headers.get('x-anyrouter-request-id') });
  });
});

