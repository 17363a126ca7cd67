/**
 * `POST /v1/responses` (stateless) with the official `openai` SDK as client, over real HTTP, against an
 * OpenAI-format and an Anthropic-format upstream: `responses.create` and `responses.stream`, text and a
 * function call, the follow-up turn with `function_call_output`, and errors in OpenAI's envelope.
 */
import type OpenAI from 'openai';
import { APIError, BadRequestError } from 'openai';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, provider, type GatewayFixture } from './harness.js';
import { anthropicProvider, post, sseEvents, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();

const weatherTool: OpenAI.Responses.FunctionTool = {
  type: 'function',
  name: 'get_weather',
  description: 'Current weather for a city',
  parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
  strict: true,
};

type Upstream = 'openai' | 'anthropic';

/** A gateway whose model is served by one upstream of the given format, scripted to answer `reply`. */
async function gatewayOver(format: Upstream, reply: { text?: string; call?: { name: string; args: Record<string, unknown> } }) {
  if (format === 'openai') {
    const upstream = await e2e.mock({ default: reply.call ? { toolCall: { name: reply.call.name, arguments: reply.call.args }, chunks: 3 } : { content: reply.text ?? 'Hi', chunks: 3 } });
    const gw = await e2e.gateway({ providers: { up: provider('up', upstream) }, models: [chatModel(['up'])] });
    return { gw, requests: upstream.requests };
  }
  const upstream = await e2e.anthropicMock({ default: reply.call ? { toolUse: { name: reply.call.name, input: reply.call.args }, chunks: 3 } : { content: reply.text ?? 'Hi', chunks: 3 } });
  const gw = await e2e.gateway({ providers: { up: anthropicProvider('up', upstream) }, models: [chatModel(['up'])] });
  return { gw, requests: upstream.requests };
}

for (const format of ['openai', 'anthropic'] as const) {
  describe(`e2e: the OpenAI SDK's Responses API against an ${format}-format upstream`, () => {
    it('responses.create with text: output_text, a completed message item, usage', async () => {
      const { gw, requests } = await gatewayOver(format, { text: 'Paris is sunny.' });
      const { data: response, response: raw } = await gw.client().responses.create({ model: MODEL, instructions: 'Be brief.', input: 'Weather in Paris?', max_output_tokens: 100 }).withResponse();
      expect(raw.headers.get('x-anyrouter-upstream')).toBe('up');
      expect(response).toMatchObject({ object: 'response', status: 'completed', model: MODEL });
      expect(response.output_text).toBe('Paris is sunny.');
      expect(response.output).toEqual([expect.objectContaining({ type: 'message', role: 'assistant', status: 'completed', content: [expect.objectContaining({ type: 'output_text', text: 'Paris is sunny.' })] })]);
      expect(response.usage?.input_tokens).toBeGreaterThan(0);
      expect(response.usage?.output_tokens).toBeGreaterThan(0);
      // the instructions reached the upstream as its system prompt, the limit as its max tokens
      const sent = requests[0]!.body as Record<string, unknown>;
      if (format === 'openai') expect(sent).toMatchObject({ messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Weather in Paris?' }], max_completion_tokens: 100 });
      else expect(sent).toMatchObject({ system: 'Be brief.', messages: [{ role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] }], max_tokens: 100 });
    });

    it('responses.create with a function call, then the function_call_output turn', async () => {
      const { gw, requests } = await gatewayOver(format, { call: { name: 'get_weather', args: { city: 'Paris' } } });
      const response = await gw.client().responses.create({ model: MODEL, input: 'Weather in Paris?', tools: [weatherTool] });
      const call = response.output.find((item): item is OpenAI.Responses.ResponseFunctionToolCall => item.type === 'function_call');
      expect(call).toMatchObject({ type: 'function_call', name: 'get_weather', status: 'completed' });
      expect(JSON.parse(call!.arguments)).toEqual({ city: 'Paris' });
      expect(call!.call_id).toBeTruthy();

      await gw.client().responses.create({
        model: MODEL,
        tools: [weatherTool],
        input: [
          { role: 'user', content: 'Weather in Paris?' },
          { type: 'function_call', call_id: call!.call_id, name: 'get_weather', arguments: call!.arguments },
          { type: 'function_call_output', call_id: call!.call_id, output: '{"temp": 21}' },
        ],
      });
      const second = requests[1]!.body as { messages: unknown[] };
      if (format === 'openai') {
        expect(second.messages).toEqual([
          { role: 'user', content: 'Weather in Paris?' },
          { role: 'assistant', content: null, tool_calls: [{ id: call!.call_id, type: 'function', function: { name: 'get_weather', arguments: call!.arguments } }] },
          { role: 'tool', tool_call_id: call!.call_id, content: '{"temp": 21}' },
        ]);
      } else {
        expect(second.messages).toEqual([
          { role: 'user', content: [{ type: 'text', text: 'Weather in Paris?' }] },
          { role: 'assistant', content: [{ type: 'tool_use', id: call!.call_id, name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call!.call_id, content: '{"temp": 21}' }] },
        ]);
      }
    });

    it('responses.stream with text: OpenAI event names, rising sequence_number, response.completed', async () => {
      const { gw } = await gatewayOver(format, { text: 'abcdefghi' });
      const stream = gw.client().responses.stream({ model: MODEL, input: 'Say the letters' });
      const events: OpenAI.Responses.ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const final = await stream.finalResponse();

      const types = events.map((e) => e.type);
      expect(types.slice(0, 2)).toEqual(['response.created', 'response.in_progress']);
      expect(types.at(-1)).toBe('response.completed');
      expect(types.filter((t) => t === 'response.output_text.delta')).toHaveLength(3);
      const sequence = events.map((e) => e.sequence_number);
      expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
      expect(new Set(sequence).size).toBe(sequence.length);
      expect(final.output_text).toBe('abcdefghi');
      expect(final.status).toBe('completed');
      expect(final.usage?.output_tokens).toBeGreaterThan(0);
    });

    it('responses.stream with a function call: argument deltas that add up to JSON, the item done', async () => {
      const { gw } = await gatewayOver(format, { call: { name: 'get_weather', args: { city: 'Paris' } } });
      const stream = gw.client().responses.stream({ model: MODEL, input: 'Weather in Paris?', tools: [weatherTool] });
      let args = '';
      stream.on('response.function_call_arguments.delta', (event) => (args += event.delta));
      const final = await stream.finalResponse();
      expect(JSON.parse(args)).toEqual({ city: 'Paris' });
      const call = final.output.find((item) => item.type === 'function_call');
      expect(call).toMatchObject({ name: 'get_weather', status: 'completed' });
      expect(call?.type === 'function_call' && JSON.parse(call.arguments)).toEqual({ city: 'Paris' });
    });
  });
}

describe('e2e: /v1/responses errors', () => {
  async function gateway(): Promise<GatewayFixture> {
    const upstream = await e2e.mock();
    return e2e.gateway({ providers: { up: provider('up', upstream) }, models: [chatModel(['up'])] });
  }

  it('a missing input, a stateful previous_response_id and an unknown model are 400/400/404 in OpenAI\'s envelope', async () => {
    const gw = await gateway();
    const missing = await post(gw, '/v1/responses', { model: MODEL });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: { code: 'missing_input', type: 'invalid_request_error' } });

    const stateful = await gw.client().responses.create({ model: MODEL, input: 'hi', previous_response_id: 'resp_123' }).then(() => undefined, (e: unknown) => e);
    expect(stateful).toBeInstanceOf(BadRequestError);
    expect((stateful as APIError).message).toContain('stateless');

    const unknown = await post(gw, '/api/v1/responses', { model: 'test/chta', input: 'hi' });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'model_not_found', message: expect.stringContaining("did you mean 'test/chat'?") } });
  });

  it('a stream cut after its first byte ends with response.failed', async () => {
    const upstream = await e2e.mock({ default: { content: 'abcdefghijkl', chunks: 4, cutAfterChunks: 3 } });
    const gw = await e2e.gateway({ providers: { up: provider('up', upstream) }, models: [chatModel(['up'])] });
    const response = await post(gw, '/v1/responses', { model: MODEL, input: 'hi', stream: true });
    const events = sseEvents(await response.text());
    expect(events[0]?.event).toBe('response.created');
    const last = events.at(-1)!;
    expect(last.event).toBe('response.failed');
    expect(JSON.parse(last.data)).toMatchObject({ type: 'response.failed', response: { status: 'failed', error: { message: expect.stringContaining('upstream') } } });
  });
});
