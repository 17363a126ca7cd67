/**
 * One rule for the answer's `model`, on every protocol and path: the catalog id that served, the same as
 * `x-anyrouter-model`; the upstream's own name is in `x-anyrouter-upstream-model`. Native paths (OpenAI
 * Chat to an OpenAI upstream, Anthropic Messages to an Anthropic upstream), JSON and streams, and a
 * translated one; a tool input's own `model` member is left as the upstream sent it.
 */
import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider } from './harness.js';
import { anthropicClient, anthropicProvider, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();
const question: Anthropic.MessageParam[] = [{ role: 'user', content: 'Say hello' }];

describe('e2e: the answer names the model that served', () => {
  it('native OpenAI Chat, JSON and stream', async () => {
    const oai = await e2e.mock();
    const gw = await e2e.gateway({ providers: { oai: provider('oai', oai) }, models: [chatModel(['oai'])] });
    const { data, response } = await gw.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(data.model).toBe(response.headers.get('x-anyrouter-model'));
    expect(data.model).toBe(MODEL);
    expect(response.headers.get('x-anyrouter-upstream-model')).toBe('oai-model');

    const { data: stream, response: streamed } = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true }).withResponse();
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.model).toBe(streamed.headers.get('x-anyrouter-model'));
  });

  it('native Anthropic Messages, JSON and stream; a tool input named `model` stays the upstream\'s', async () => {
    const claude = await e2e.anthropicMock();
    const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude) }, models: [chatModel(['claude'])] });
    claude.setDefault({ toolUse: { name: 'pick', input: { model: 'keep-me', depth: { model: 'keep-me-too' } } } });
    const { data: message, response } = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 64, messages: question }).withResponse();
    expect(message.model).toBe(response.headers.get('x-anyrouter-model'));
    expect(message.model).toBe(MODEL);
    expect(response.headers.get('x-anyrouter-upstream-model')).toBe('claude-model');
    expect(message.content.find((b) => b.type === 'tool_use')).toMatchObject({ input: { model: 'keep-me', depth: { model: 'keep-me-too' } } });

    claude.setDefault({ content: 'streamed hello', chunks: 3 });
    const stream = anthropicClient(gw).messages.stream({ model: MODEL, max_tokens: 64, messages: question });
    let started: string | undefined;
    for await (const event of stream) if (event.type === 'message_start') started = event.message.model;
    expect(started).toBe(MODEL);
    expect((await stream.finalMessage()).model).toBe(MODEL);
  });

  it('translated: Anthropic Messages from an OpenAI upstream', async () => {
    const oai = await e2e.mock();
    const gw = await e2e.gateway({ providers: { oai: provider('oai', oai) }, models: [chatModel(['oai'])] });
    const { data: message, response } = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 64, messages: question }).withResponse();
    expect(message.model).toBe(response.headers.get('x-anyrouter-model'));
    expect(message.model).toBe(MODEL);
    expect(response.headers.get('x-anyrouter-upstream-model')).toBe('oai-model');
  });
});
