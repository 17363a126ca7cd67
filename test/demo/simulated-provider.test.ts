/**
 * The demo's simulated providers on their own, with the official SDKs as clients: each speaks its wire
 * format (JSON and SSE), refuses a wrong key, calls a tool when the prompt asks for one, and fails the
 * share of calls it is told to with a 429 (Retry-After) or a 5xx.
 */
import Anthropic from '@anthropic-ai/sdk';
import fc from 'fast-check';
import OpenAI from 'openai';
import { afterEach, describe, expect, it } from 'vitest';
import { sampleArguments } from '../../src/demo/demo-answer.js';
import { startSimulatedProvider, type SimulatedProvider, type SimulatedProviderOptions } from '../../src/demo/simulated-provider.js';

const KEY = 'sim-key-test-0123456789abcdef';
const started: SimulatedProvider[] = [];
afterEach(async () => {
  for (const p of started.splice(0)) await p.close();
});

async function provider(options: Partial<SimulatedProviderOptions> & Pick<SimulatedProviderOptions, 'protocol'>): Promise<SimulatedProvider> {
  const p = await startSimulatedProvider({ name: 'sim-test', apiKey: KEY, ...options });
  started.push(p);
  return p;
}

const bash: Anthropic.Tool = { name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' }, timeout: { type: 'number' } }, required: ['command'] } };

describe('an OpenAI-compatible simulated provider', () => {
  it('answers Chat Completions as JSON and as a stream, with usage, naming itself and the model', async () => {
    const p = await provider({ protocol: 'openai-chat' });
    const client = new OpenAI({ baseURL: p.baseUrl, apiKey: KEY, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'sim-test-1', messages: [{ role: 'user', content: 'Hello there' }] });
    expect(answer.choices[0]!.message.content).toContain('"sim-test" (model sim-test-1)');
    expect(answer.choices[0]!.message.content).toContain('Hello there');
    expect(answer.usage!.prompt_tokens).toBeGreaterThan(0);

    const stream = await client.chat.completions.create({ model: 'sim-test-1', messages: [{ role: 'user', content: 'Hello there' }], stream: true, stream_options: { include_usage: true } });
    let text = '';
    let usage: OpenAI.CompletionUsage | undefined | null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      usage ??= chunk.usage;
    }
    expect(text).toBe(answer.choices[0]!.message.content);
    expect(usage!.completion_tokens).toBe(answer.usage!.completion_tokens);
  });

  it('calls the tool the prompt names, with every required argument', async () => {
    const p = await provider({ protocol: 'openai-chat' });
    const client = new OpenAI({ baseURL: p.baseUrl, apiKey: KEY, maxRetries: 0 });
    const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'Bash', parameters: bash.input_schema as Record<string, unknown> } }];
    const answer = await client.chat.completions.create({ model: 'm', tools, messages: [{ role: 'user', content: 'list the files with bash' }] });
    expect(answer.choices[0]!.finish_reason).toBe('tool_calls');
    const call = answer.choices[0]!.message.tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(call.function.name).toBe('Bash');
    expect(Object.keys(JSON.parse(call.function.arguments) as object)).toEqual(['command']);
    // without a request for a tool it just answers
    const plain = await client.chat.completions.create({ model: 'm', tools, messages: [{ role: 'user', content: 'Hello' }] });
    expect(plain.choices[0]!.finish_reason).toBe('stop');
  });

  it('refuses a wrong key with 401 in the OpenAI error envelope', async () => {
    const p = await provider({ protocol: 'openai-chat' });
    const client = new OpenAI({ baseURL: p.baseUrl, apiKey: 'sim-key-wrong', maxRetries: 0 });
    await expect(client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401, error: { type: 'authentication_error' } });
  });
});

describe('an Anthropic Messages simulated provider', () => {
  it('streams a tool_use block when asked, and answers the tool result in text', async () => {
    const p = await provider({ protocol: 'anthropic-messages' });
    const client = new Anthropic({ baseURL: p.baseUrl.replace(/\/v1$/, ''), apiKey: KEY, maxRetries: 0 });
    const messages: Anthropic.MessageParam[] = [{ role: 'user', content: 'Use a tool to say hello' }];
    const first = await client.messages.stream({ model: 'sim-test-1', max_tokens: 200, tools: [bash], messages }).finalMessage();
    expect(first.stop_reason).toBe('tool_use');
    const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use')!;
    expect(use).toMatchObject({ name: 'Bash', input: { command: expect.any(String) } });
    expect(first.usage.output_tokens).toBeGreaterThan(0);

    const second = await client.messages.create({
      model: 'sim-test-1',
      max_tokens: 200,
      tools: [bash],
      messages: [...messages, { role: 'assistant', content: first.content }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'hello' }] }],
    });
    expect(second.stop_reason).toBe('end_turn');
    expect(second.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('The tool returned: "hello"') });
  });

  it('reads the prompt without the <system-reminder> blocks an agent adds: their words neither call a tool nor get quoted', async () => {
    const p = await provider({ protocol: 'anthropic-messages' });
    const client = new Anthropic({ baseURL: p.baseUrl.replace(/\/v1$/, ''), apiKey: KEY, maxRetries: 0 });
    const reminder = { type: 'text' as const, text: '<system-reminder>Use the Bash tool when you need one.</system-reminder>' };
    const answer = await client.messages.create({ model: 'm', max_tokens: 200, tools: [bash], messages: [{ role: 'user', content: [reminder, { type: 'text', text: 'Say hello' }] }] });
    expect(answer.stop_reason).toBe('end_turn');
    expect(answer.content[0]).toMatchObject({ type: 'text', text: expect.stringContaining('You said: "Say hello"') });
  });

  it('counts tokens, and refuses a wrong x-api-key with 401 in the Anthropic error envelope', async () => {
    const p = await provider({ protocol: 'anthropic-messages' });
    const client = new Anthropic({ baseURL: p.baseUrl.replace(/\/v1$/, ''), apiKey: KEY, maxRetries: 0 });
    const counted = await client.messages.countTokens({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
    expect(counted.input_tokens).toBeGreaterThan(0);
    const wrong = new Anthropic({ baseURL: p.baseUrl.replace(/\/v1$/, ''), apiKey: 'sim-key-wrong', maxRetries: 0 });
    await expect(wrong.messages.create({ model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401, error: { type: 'error', error: { type: 'authentication_error' } } });
  });
});

describe('faults', () => {
  async function statuses(p: SimulatedProvider, n: number): Promise<Array<{ status: number; retryAfter: string | null }>> {
    const out = [];
    for (let i = 0; i < n; i++) {
      const res = await fetch(`${p.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }) });
      await res.arrayBuffer();
      out.push({ status: res.status, retryAfter: res.headers.get('retry-after') });
    }
    return out;
  }

  it('at rate 1 every call is a 429 with Retry-After or a 500/503; at rate 0 none is', async () => {
    const always = await statuses(await provider({ protocol: 'openai-chat', faultRate: 1 }), 30);
    for (const s of always) expect(s.status === 429 ? s.retryAfter === '1' : [500, 503].includes(s.status)).toBe(true);
    expect(new Set(always.map((s) => s.status))).toEqual(new Set([429, 500, 503]));
    expect((await statuses(await provider({ protocol: 'openai-chat', faultRate: 0 }), 20)).every((s) => s.status === 200)).toBe(true);
  });

  it('a seeded provider fails the same calls every run', async () => {
    const a = await statuses(await provider({ protocol: 'openai-chat', faultRate: 0.3, seed: 7 }), 30);
    const b = await statuses(await provider({ protocol: 'openai-chat', faultRate: 0.3, seed: 7 }), 30);
    expect(a).toEqual(b);
    expect(a.some((s) => s.status !== 200) && a.some((s) => s.status === 200)).toBe(true);
  });
});

describe('sampleArguments', () => {
  const types = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
  const check: Record<(typeof types)[number], (v: unknown) => boolean> = {
    string: (v) => typeof v === 'string',
    number: (v) => typeof v === 'number',
    integer: (v) => Number.isInteger(v),
    boolean: (v) => typeof v === 'boolean',
    array: (v) => Array.isArray(v),
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
  };

  it('fills exactly the required properties, each with a value of its declared type', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== '__proto__'), fc.record({ type: fc.constantFrom(...types), required: fc.boolean() })), (props) => {
        const required = Object.keys(props).filter((k) => props[k]!.required);
        const schema = { type: 'object', properties: Object.fromEntries(Object.entries(props).map(([k, v]) => [k, { type: v.type }])), required };
        const args = sampleArguments(schema);
        expect(Object.keys(args).sort()).toEqual([...required].sort());
        for (const k of required) expect(check[props[k]!.type](args[k])).toBe(true);
      }),
    );
  });
});
