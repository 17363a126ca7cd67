/**
 * A Gemini-format upstream behind `POST /v1/chat/completions` (and `/v1/messages`), over real HTTP with the
 * official SDKs: streaming with `stream_options.include_usage`, a function call, the request in Gemini's
 * wire format (path, key header, contents), and Gemini's errors translated and failed over.
 */
import type OpenAI from 'openai';
import { BadRequestError } from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider } from './harness.js';
import { anthropicClient, geminiProvider, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();

async function overGemini() {
  const upstream = await e2e.geminiMock();
  const gw = await e2e.gateway({ providers: { gem: geminiProvider('gem', upstream) }, models: [chatModel(['gem'])] });
  return { upstream, gw };
}

const weatherTool: OpenAI.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('e2e: chat completions against a Gemini-format upstream', () => {
  it('chat.completions.create streaming with include_usage: every delta, finish_reason stop, a usage chunk', async () => {
    const { upstream, gw } = await overGemini();
    upstream.setDefault({ content: 'abcdefghijkl', chunks: 4, usage: { promptTokenCount: 7, candidatesTokenCount: 5 } });

    const { data: stream, response } = await gw
      .client()
      .chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, ...messages], stream: true, stream_options: { include_usage: true }, max_tokens: 50 })
      .withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-anyrouter-upstream')).toBe('gem');
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abcdefghijkl');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(4);
    expect(chunks.find((c) => c.choices[0]?.finish_reason)?.choices[0]?.finish_reason).toBe('stop');
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 7, completion_tokens: 5, total_tokens: 12 });
    expect(new Set(chunks.map((c) => c.model))).toEqual(new Set([MODEL]));

    // the upstream got Gemini's wire format
    const sent = upstream.requests[0]!;
    expect(sent.path).toBe('/v1beta/models/gem-model:streamGenerateContent');
    expect(sent.query).toEqual({ alt: 'sse' });
    expect(sent.apiKey).toBe(e2e.secretOf('gem'));
    expect(sent.headers['x-goog-api-key']).toBe(e2e.secretOf('gem'));
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }],
      systemInstruction: { parts: [{ text: 'Be brief.' }] },
      generationConfig: { maxOutputTokens: 50 },
    });
  });

  it('without include_usage the stream has no usage chunk', async () => {
    const { gw } = await overGemini();
    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
  });

  it('a function call, streamed and not: tool_calls with arguments that parse, finish_reason tool_calls', async () => {
    const { upstream, gw } = await overGemini();
    upstream.setDefault({ functionCall: { name: 'get_weather', args: { city: 'Paris' } } });

    const completion = await gw.client().chat.completions.create({ model: MODEL, messages, tools: [weatherTool], tool_choice: 'required' });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(completion.choices[0]?.finish_reason).toBe('tool_calls');
    expect(call).toMatchObject({ type: 'function', function: { name: 'get_weather' } });
    expect(JSON.parse((call as OpenAI.ChatCompletionMessageFunctionToolCall).function.arguments)).toEqual({ city: 'Paris' });
    expect(completion.usage?.completion_tokens).toBeGreaterThan(0);
    expect(upstream.requests[0]!.path).toBe('/v1beta/models/gem-model:generateContent');
    expect(upstream.requests[0]!.body).toMatchObject({
      tools: [{ functionDeclarations: [{ name: 'get_weather', parametersJsonSchema: weatherTool.function.parameters }] }],
      toolConfig: { functionCallingConfig: { mode: 'ANY' } },
    });

    const stream = await gw.client().chat.completions.create({ model: MODEL, messages, tools: [weatherTool], stream: true });
    let args = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(JSON.parse(args)).toEqual({ city: 'Paris' });
    expect(finish).toBe('tool_calls');
  });

  it('the Anthropic SDK streams a Gemini function call as a tool_use block', async () => {
    const { upstream, gw } = await overGemini();
    upstream.setDefault({ content: 'Checking.', functionCall: { name: 'get_weather', args: { city: 'Paris' } } });
    const final = await anthropicClient(gw)
      .messages.stream({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: 'Weather in Paris?' }], tools: [{ name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } }] })
      .finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      expect.objectContaining({ type: 'text', text: 'Checking.' }),
      expect.objectContaining({ type: 'tool_use', name: 'get_weather', input: { city: 'Paris' } }),
    ]);
  });

  it('a Gemini 400 comes back as BadRequestError in OpenAI\'s envelope; a 429 fails over to the next upstream', async () => {
    const gemini = await e2e.geminiMock();
    const backup = await e2e.mock({ default: { content: 'from the backup' } });
    const gw = await e2e.gateway({ providers: { gem: geminiProvider('gem', gemini), backup: provider('backup', backup) }, models: [chatModel(['gem', 'backup'])] });

    gemini.script([{ status: 400, message: 'Invalid JSON payload received. Unknown name "foo".' }]);
    const error = await gw.client().chat.completions.create({ model: MODEL, messages }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).message).toContain('Unknown name "foo"');
    expect((error as BadRequestError).error).toMatchObject({ type: 'invalid_request_error', request_id: expect.stringMatching(/^req_/) });
    expect(backup.requests).toHaveLength(0);

    gemini.script([{ status: 429 }]);
    const { data, response } = await gw.client().chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(data.choices[0]?.message.content).toBe('from the backup');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('2');
    expect(response.headers.get('x-anyrouter-upstream')).toBe('backup');
  });
});
