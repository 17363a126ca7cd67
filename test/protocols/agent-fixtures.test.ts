/**
 * Decoding what the real coding agents send (requests captured from Claude Code and Codex by the
 * coding-agents e2e test, test/protocols/fixtures/agents/) and translating it for every other protocol.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { clientToolNames, createStreamTranslator, protocolCodecs, translateRequest, translateResponse, type JsonObject } from '../../src/protocols/index.js';
import { AGENT_FIXTURES } from '../support/captured-fixture.js';
import { toSse } from './fixtures/openai-chat-examples.js';
import { sseData } from './support/stream-harness.js';

function captured(name: string): JsonObject[] {
  const requests = JSON.parse(readFileSync(path.join(AGENT_FIXTURES, `${name}.json`), 'utf8')) as Array<{ url: string; body: JsonObject }>;
  return requests.map((r) => r.body);
}

const claudeTurn = captured('claude-code-turn')[0]!;
const claudeToolTurn = captured('claude-code-tool-turn')[1]!;
const codexTurn = captured('codex-turn')[0]!;
const codexToolTurn = captured('codex-tool-turn')[1]!;

describe('Claude Code requests', () => {
  it('decode: system entries among the messages join the system prompt after the system field', () => {
    const request = protocolCodecs['anthropic-messages'].decodeRequest(claudeTurn);
    const systemEntries = (claudeTurn.messages as Array<{ role: string; content: unknown }>).filter((m) => m.role === 'system');
    expect(systemEntries.length).toBeGreaterThan(0);
    expect(request.system.at(-1)!.text).toBe(systemEntries.at(-1)!.content);
    expect(request.system.length).toBe((claudeTurn.system as unknown[]).length + systemEntries.length);
    expect(request.messages.every((m) => m.role === 'user' || m.role === 'assistant' || m.role === 'tool')).toBe(true);
    // thinking: adaptive and output_config.effort become the reasoning effort
    expect(request.reasoning).toEqual({ enabled: true, effort: (claudeTurn.output_config as { effort: string }).effort });
  });

  it.each(['openai-chat', 'openai-responses', 'gemini'] as const)('translate for %s: nothing refused, what cannot go listed', (to) => {
    for (const body of [claudeTurn, claudeToolTurn]) {
      const { upstream } = translateRequest('anthropic-messages', to, body);
      expect(upstream.dropped).toEqual(expect.arrayContaining(['context_management', 'cache_control']));
      expect(JSON.stringify(upstream.body)).not.toContain('cache_control');
    }
  });

  it('translate a tool turn for Chat Completions: the call, then its result as a tool message; reasoning effort kept', () => {
    const { upstream } = translateRequest('anthropic-messages', 'openai-chat', claudeToolTurn);
    const messages = upstream.body.messages as Array<{ role: string; tool_calls?: Array<{ function: { name: string } }>; content: unknown }>;
    expect(messages.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'tool']);
    expect(messages[2]!.tool_calls![0]!.function.name).toBe('Read');
    expect(String(messages[3]!.content)).toContain('pelican');
    expect(upstream.body.reasoning_effort).toBe('high');
  });

  it('translate an image a tool returned: the tool message keeps the text, the image follows as user content', () => {
    const body = structuredClone(claudeToolTurn) as { messages: Array<{ role: string; content: Array<{ type: string; content?: unknown }> }> };
    const result = body.messages.at(-1)!.content.find((b) => b.type === 'tool_result')!;
    result.content = [{ type: 'text', text: 'a screenshot' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }];
    const { upstream } = translateRequest('anthropic-messages', 'openai-chat', body);
    const messages = upstream.body.messages as Array<{ role: string; content: unknown }>;
    expect(messages.at(-2)).toMatchObject({ role: 'tool', content: 'a screenshot' });
    expect(messages.at(-1)).toEqual({ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] });
  });
});

describe('Codex requests', () => {
  it('decode: namespace functions flattened with their client names, hosted tools and Responses-only fields listed', () => {
    const request = protocolCodecs['openai-responses'].decodeRequest(codexTurn);
    const namespaced = request.tools.filter((t) => t.client?.namespace !== undefined);
    expect(namespaced.length).toBeGreaterThan(0);
    for (const tool of namespaced) expect(tool.name).toBe(`${tool.client!.namespace}__${tool.client!.name}`);
    expect(request.tools.some((t) => t.name === 'web_search')).toBe(false);
    expect(request.unsent).toEqual(expect.arrayContaining(['tools.web_search', 'store', 'include', 'reasoning.summary']));
    expect(request.system.length).toBeGreaterThan(0);
  });

  it.each(['openai-chat', 'anthropic-messages', 'gemini'] as const)('translate for %s: flat function names, the rest listed', (to) => {
    const { upstream } = translateRequest('openai-responses', to, codexTurn);
    expect(upstream.dropped).toEqual(expect.arrayContaining(['prompt_cache_key', 'client_metadata', 'tools.web_search', 'store', 'include']));
    expect(JSON.stringify(upstream.body)).toContain('multi_agent_v1__wait_agent');
    expect(JSON.stringify(upstream.body)).not.toContain('"namespace"');
  });

  it('translate a tool turn: function_call and function_call_output become the call and its result', () => {
    const { upstream } = translateRequest('openai-responses', 'openai-chat', codexToolTurn);
    const messages = upstream.body.messages as Array<{ role: string; tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>; tool_call_id?: string; content: unknown }>;
    const call = messages.find((m) => m.tool_calls)!.tool_calls![0]!;
    expect(call.function).toEqual({ name: 'exec_command', arguments: '{"cmd":"cat note.txt"}' });
    const result = messages.find((m) => m.role === 'tool')!;
    expect(result.tool_call_id).toBe(call.id);
    expect(String(result.content)).toContain('pelican');
  });

  it('a Chat answer calling a flat name comes back as a function_call in its namespace, JSON and stream', () => {
    const request = protocolCodecs['openai-responses'].decodeRequest(codexTurn);
    const toolNames = clientToolNames(request.tools);
    const answer = {
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'multi_agent_v1__wait_agent', arguments: '{"targets":["a"]}' } }] } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    const { body } = translateResponse('openai-chat', 'openai-responses', answer, { toolNames: toolNames! });
    expect((body.output as JsonObject[])[0]).toMatchObject({ type: 'function_call', name: 'wait_agent', namespace: 'multi_agent_v1', call_id: 'call_1', arguments: '{"targets":["a"]}' });

    const chunks = [
      { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'multi_agent_v1__wait_agent', arguments: '' } }] }, finish_reason: null }] },
      { id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '{"targets":["a"]}' } }] }, finish_reason: 'tool_calls' }] },
    ];
    const translator = createStreamTranslator('openai-chat', 'openai-responses', { toolNames: toolNames! });
    const sse = translator.push(toSse(chunks)) + translator.end();
    const done = sseData(sse).map((e) => JSON.parse(e.data) as JsonObject).find((e) => e.type === 'response.output_item.done')!;
    expect(done.item).toMatchObject({ type: 'function_call', name: 'wait_agent', namespace: 'multi_agent_v1', arguments: '{"targets":["a"]}' });
  });

  it('a custom (free-form) tool goes as a one-string function and its call comes back as custom_tool_call with the text', () => {
    const applyPatch = { type: 'custom', name: 'apply_patch', description: 'Apply a patch', format: { type: 'grammar', syntax: 'lark', definition: 'start: "*** Begin Patch"' } };
    const body = { ...codexTurn, tools: [...(codexTurn.tools as unknown[]), applyPatch] };
    const request = protocolCodecs['openai-responses'].decodeRequest(body);
    const tool = request.tools.find((t) => t.name === 'apply_patch')!;
    expect(tool.parameters).toMatchObject({ type: 'object', required: ['input'] });
    expect(JSON.stringify(tool.parameters)).toContain('*** Begin Patch');
    const answer = {
      id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
      choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_2', type: 'function', function: { name: 'apply_patch', arguments: '{"input":"*** Begin Patch\\n*** End Patch"}' } }] } }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    };
    const { body: out } = translateResponse('openai-chat', 'openai-responses', answer, { toolNames: clientToolNames(request.tools)! });
    expect((out.output as JsonObject[])[0]).toMatchObject({ type: 'custom_tool_call', name: 'apply_patch', call_id: 'call_2', input: '*** Begin Patch\n*** End Patch' });
    // and the call in a later turn's history goes back as the same function call
    const history = { ...body, input: [...(codexTurn.input as unknown[]), { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch' }, { type: 'custom_tool_call_output', call_id: 'call_2', output: 'Done' }] };
    const { upstream } = translateRequest('openai-responses', 'openai-chat', history);
    expect(JSON.stringify(upstream.body.messages)).toContain('{\\"input\\":\\"*** Begin Patch\\"}');
  });

  it('refuses only a tool_choice that names a dropped hosted tool, saying what to change', () => {
    expect(() => protocolCodecs['openai-responses'].decodeRequest({ ...codexTurn, tool_choice: { type: 'web_search' } })).toThrow(/hosted tool 'web_search'.*use 'auto', 'required' or a function tool/);
  });
});
