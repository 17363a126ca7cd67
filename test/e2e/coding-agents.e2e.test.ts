/**
 * The real Claude Code and Codex CLIs (dev dependencies, native binaries from npm) through the gateway to
 * mock upstreams of both formats: a plain turn on a native and on a translated model, and a turn with one
 * tool call and its result (the mock asks for the tool, then answers once the result comes back). A
 * recording proxy between CLI and gateway keeps what each CLI sent; `ANYROUTER_CAPTURE_FIXTURES=1` writes
 * it, sanitized, to test/protocols/fixtures/agents/ for the decoder tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { agentWorkspace, runClaude, runCodex, type AgentWorkspace } from '../support/agent-cli.js';
import { maybeWriteFixture } from '../support/captured-fixture.js';
import type { AnthropicReply } from '../support/mock-anthropic-upstream.js';
import type { ReceivedRequest, ReplyBehaviour } from '../support/mock-openai-upstream.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { chatModel, provider } from './harness.js';
import { anthropicProvider, post, useProtocolE2E } from './protocols-harness.js';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { AGENT_FIXTURES } from '../support/captured-fixture.js';

const e2e = useProtocolE2E();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Three models: `agents/native` on an Anthropic upstream, `agents/translated` on an OpenAI-compatible one
 * (Chat Completions only), `agents/responses` on an OpenAI one that serves Responses (`responses: true`).
 */
const NATIVE = 'agents/native';
const TRANSLATED = 'agents/translated';
const RESPONSES = 'agents/responses';
const NOTE = 'The secret word is pelican.\n';
const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;

interface Setup {
  proxy: RecordingProxy;
  workspace: AgentWorkspace;
  anthropic: Awaited<ReturnType<typeof e2e.anthropicMock>>;
  openai: Awaited<ReturnType<typeof e2e.mock>>;
  /** The upstream of `agents/responses`, speaking OpenAI Responses. */
  responses: Awaited<ReturnType<typeof e2e.mock>>;
}

type Behaviours = { anthropic?: (r: ReceivedRequest) => AnthropicReply; openai?: (r: ReceivedRequest) => ReplyBehaviour; responses?: (r: ReceivedRequest) => ReplyBehaviour };

async function setup(behaviours: Behaviours = {}): Promise<Setup> {
  const anthropic = await e2e.anthropicMock(behaviours.anthropic ? { default: behaviours.anthropic } : { default: { content: 'Hello from the Anthropic mock.' } });
  const openai = await e2e.mock(behaviours.openai ? { default: behaviours.openai } : { default: { content: 'Hello from the OpenAI mock.' } });
  const responses = await e2e.mock(behaviours.responses ? { default: behaviours.responses } : { default: { reasoning: 'A greeting.', content: 'Hello from the Responses mock.' } });
  const models: ModelInput[] = [chatModel(['claude'], NATIVE, []), chatModel(['openai'], TRANSLATED, []), chatModel(['oai'], RESPONSES, [])].map((m) => ({ ...m, context: 200_000 }));
  const providers = { claude: anthropicProvider('claude', anthropic), openai: provider('openai', openai), oai: provider('oai', responses, { responses: true }) };
  const gw = await e2e.gateway({ providers, models, routing: { requestTimeoutMs: 30_000, firstByteTimeoutMs: 20_000 } });
  const proxy = await startRecordingProxy(gw.url);
  const workspace = await agentWorkspace({ 'note.txt': NOTE });
  cleanups.push(() => proxy.close(), () => workspace.remove());
  return { proxy, workspace, anthropic, openai, responses };
}

/** The OpenAI mock asks for one tool call until a tool result comes back, then answers with text. */
function toolThenAnswer(name: string, args: (r: ReceivedRequest) => Record<string, unknown>): (r: ReceivedRequest) => ReplyBehaviour {
  return (request) => {
    const messages = (request.body as { messages?: Array<{ role: string }> }).messages ?? [];
    return messages.some((m) => m.role === 'tool') ? { content: 'The note says pelican.' } : { toolCall: { name, arguments: args(request) } };
  };
}

function toolResultsIn(request: ReceivedRequest): string {
  const messages = (request.body as { messages?: Array<{ role: string; content: unknown }> }).messages ?? [];
  return JSON.stringify(messages.filter((m) => m.role === 'tool'));
}

describe('Claude Code (claude -p) through the gateway', () => {
  it('completes a turn on a native Anthropic model and on a translated OpenAI-compatible one', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const native = await runClaude({ baseUrl: s.proxy.url, model: NATIVE, prompt: 'Say hello', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(native.result, native.stderr).toMatchObject({ is_error: false, result: 'Hello from the Anthropic mock.' });
    await maybeWriteFixture('claude-code-turn', s.proxy.requests, s.workspace.dir);
    const captured = s.proxy.requests.length;

    const translated = await runClaude({ baseUrl: s.proxy.url, model: TRANSLATED, prompt: 'Say hello', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(translated.result, translated.stderr).toMatchObject({ is_error: false, result: 'Hello from the OpenAI mock.' });
    // what Claude Code sent: the beta path, a system entry among the messages, thinking and context management
    const sent = s.proxy.requests.slice(captured).find((r) => r.url.startsWith('/v1/messages'))!;
    expect(sent.url).toBe('/v1/messages?beta=true');
    const body = sent.body as { messages: Array<{ role: string }>; thinking?: unknown; context_management?: unknown };
    expect(body.messages.some((m) => m.role === 'system')).toBe(true);
    const upstream = s.openai.requests.at(-1)!.body as { messages: Array<{ role: string }>; reasoning_effort?: string; user?: string };
    expect(upstream.messages[0]!.role).toBe('system');
    // Claude Code's metadata.user_id (an opaque blob naming its account and session) does not go on as `user`
    expect((body as { metadata?: { user_id?: string } }).metadata?.user_id?.length).toBeGreaterThan(64);
    expect(upstream.user).toBeUndefined();
    expect(upstream.messages.filter((m) => m.role === 'system')).toHaveLength(1);
    expect(s.anthropic.requests).toHaveLength(1);
  });

  it('runs one tool call and answers after its result, translated', { timeout: TEST_TIMEOUT_MS }, async () => {
    let notePath = '';
    const s = await setup({ openai: toolThenAnswer('Read', () => ({ file_path: notePath })) });
    notePath = `${s.workspace.dir}/note.txt`;
    const run = await runClaude({ baseUrl: s.proxy.url, model: TRANSLATED, prompt: 'What does note.txt say?', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS, args: ['--allowedTools', 'Read'] });
    expect(run.result, run.stderr).toMatchObject({ is_error: false, result: 'The note says pelican.' });
    expect(s.openai.requests).toHaveLength(2);
    expect(toolResultsIn(s.openai.requests[1]!)).toContain('pelican');
    await maybeWriteFixture('claude-code-tool-turn', s.proxy.requests, s.workspace.dir);
  });
});

describe('Codex (codex exec, wire_api responses) through the gateway', () => {
  it('completes a turn on an OpenAI-compatible model and on an Anthropic one', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const chat = await runCodex({ baseUrl: s.proxy.url, model: TRANSLATED, prompt: 'Say hello', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(chat.stdout, chat.stderr).toContain('Hello from the OpenAI mock.');
    expect(chat.code).toBe(0);
    await maybeWriteFixture('codex-turn', s.proxy.requests, s.workspace.dir);
    const tools = (s.openai.requests[0]!.body as { tools: Array<{ function: { name: string } }> }).tools.map((t) => t.function.name);
    // Codex's namespace tools reach a Chat Completions upstream as flat function names
    expect(tools.some((name) => name.includes('__'))).toBe(true);

    const anthropic = await runCodex({ baseUrl: s.proxy.url, model: NATIVE, prompt: 'Say hello', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(anthropic.stdout, anthropic.stderr).toContain('Hello from the Anthropic mock.');
    expect(anthropic.code).toBe(0);
  });

  it('runs one tool call and answers after its result', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup({ openai: toolThenAnswer('exec_command', () => ({ cmd: 'cat note.txt' })) });
    const run = await runCodex({ baseUrl: s.proxy.url, model: TRANSLATED, prompt: 'What does note.txt say?', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(run.stdout, run.stderr).toContain('The note says pelican.');
    expect(s.openai.requests).toHaveLength(2);
    // the command's output (or the sandbox's refusal) came back as the call's result
    expect(toolResultsIn(s.openai.requests[1]!)).not.toBe('[]');
    await maybeWriteFixture('codex-tool-turn', s.proxy.requests, s.workspace.dir);
  });
});

describe('Codex on a model whose upstream serves Responses itself (relayed untouched)', () => {
  /** What Codex sent (through the proxy) as the upstream should get it: the same request, `model` renamed. */
  function asRelayed(proxied: RecordingProxy['requests'][number]): unknown {
    return { ...(proxied.body as Record<string, unknown>), model: 'oai-model' };
  }

  it('completes a turn: the upstream gets what Codex sent but model, reasoning and hosted tools included', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const run = await runCodex({ baseUrl: s.proxy.url, model: RESPONSES, prompt: 'Say hello', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(run.stdout, run.stderr).toContain('Hello from the Responses mock.');
    expect(run.code).toBe(0);
    const sent = s.proxy.requests.filter((r) => r.url.startsWith('/v1/responses'));
    expect(sent.length).toBeGreaterThan(0);
    expect(s.responses.requests.map((r) => r.path)).toEqual(sent.map(() => '/v1/responses'));
    expect(s.responses.requests.map((r) => r.body)).toEqual(sent.map(asRelayed));
    // what the translated path drops arrives: include, store, a hosted tool, a namespace tool
    expect(s.responses.requests[0]!.body).toMatchObject({ store: false, include: ['reasoning.encrypted_content'], tools: expect.arrayContaining([expect.objectContaining({ type: 'web_search' }), expect.objectContaining({ type: 'namespace' })]) });
    // nothing went to the other upstreams, and nothing was translated away
    expect(s.openai.requests).toHaveLength(0);
    expect(s.anthropic.requests).toHaveLength(0);
  });

  it('runs one tool call and answers after its result; the reasoning item comes back with its encrypted_content', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup({
      responses: (request) => {
        const input = (request.body as { input?: Array<{ type?: string }> }).input ?? [];
        return input.some((item) => item.type === 'function_call_output') ? { content: 'The note says pelican.' } : { reasoning: 'Read the note first.', toolCall: { name: 'exec_command', arguments: { cmd: 'cat note.txt' } } };
      },
    });
    const run = await runCodex({ baseUrl: s.proxy.url, model: RESPONSES, prompt: 'What does note.txt say?', workspace: s.workspace, timeoutMs: CLI_TIMEOUT_MS });
    expect(run.stdout, run.stderr).toContain('The note says pelican.');
    expect(s.responses.requests).toHaveLength(2);
    const [first, second] = [s.responses.requests[0]!, s.responses.requests[1]!];
    const encrypted = /"encrypted_content":"(enc_[0-9a-f]+)"/.exec(first.sent)?.[1];
    expect(encrypted).toBeDefined();
    const items = (second.body as { input: Array<{ type?: string; encrypted_content?: string; output?: unknown }> }).input;
    expect(items.find((item) => item.type === 'reasoning')?.encrypted_content).toBe(encrypted);
    expect(items.find((item) => item.type === 'function_call_output')?.output).toBeDefined();
    expect(s.responses.requests.map((r) => r.body)).toEqual(s.proxy.requests.filter((r) => r.url.startsWith('/v1/responses')).map(asRelayed));
  });
});

describe('Claude Code requests replayed (captured fixtures, no CLI)', () => {
  const toolTurn = (JSON.parse(readFileSync(path.join(AGENT_FIXTURES, 'claude-code-tool-turn.json'), 'utf8')) as Array<{ body: Record<string, unknown> }>)[1]!.body;

  it('a multi-turn session on a translated model: ?beta=true, dropped fields in the header, count_tokens estimated', async () => {
    const s = await setup();
    const answer = await post({ url: s.proxy.url } as Parameters<typeof post>[0], '/v1/messages?beta=true', { ...toolTurn, model: TRANSLATED });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-anyrouter-dropped-params')?.split(',')).toEqual(expect.arrayContaining(['context_management', 'cache_control']));
    expect(await answer.text()).toContain('event: message_stop');

    const { stream: _stream, ...countable } = toolTurn;
    const count = await post({ url: s.proxy.url } as Parameters<typeof post>[0], '/v1/messages/count_tokens?beta=true', { ...countable, model: TRANSLATED });
    expect(count.status).toBe(200);
    expect(count.headers.get('x-anyrouter-token-count')).toBe('estimate');
    expect(((await count.json()) as { input_tokens: number }).input_tokens).toBeGreaterThan(1000);
    expect(s.openai.requests).toHaveLength(1);
  });
});
