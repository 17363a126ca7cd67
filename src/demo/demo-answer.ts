/**
 * What a simulated provider answers: a short canned reply naming the provider and model, or a call to one
 * of the request's tools when the prompt asks for one. Deterministic for a given request (ids and timestamps aside),
 * so a demo shows the same thing every time.
 */
import { generateId } from '../protocols/generate-id.js';
import { arrayAt, objectAt } from '../protocols/json-reader.js';
import type { CanonicalRequest, CanonicalResponse, CanonicalTool, JsonObject } from '../protocols/canonical.js';

/** The wire formats a simulated provider speaks. */
export type DemoProtocol = 'openai-chat' | 'anthropic-messages';

/** Who is answering, for the text of the reply. */
export interface Speaker {
  provider: string;
  protocol: DemoProtocol;
}

const FORMAT_NAMES: Record<DemoProtocol, string> = { 'openai-chat': 'OpenAI-compatible', 'anthropic-messages': 'Anthropic Messages' };
const ID_PREFIXES: Record<DemoProtocol, { message: string; call: string }> = {
  'openai-chat': { message: 'chatcmpl-', call: 'call_' },
  'anthropic-messages': { message: 'msg_', call: 'toolu_' },
};

/** About four characters a token, as tokenizers average on English (the gateway's own estimate counts the same way). */
function outputTokens(text: string): number {
  return Math.max(1, Math.ceil(text.length / 4));
}

function lastMessage(request: CanonicalRequest): CanonicalRequest['messages'][number] | undefined {
  return request.messages[request.messages.length - 1];
}

/** What the user typed last, without the `<system-reminder>` blocks agents such as Claude Code add to it. */
function userText(request: CanonicalRequest): string {
  const last = lastMessage(request);
  if (last?.role !== 'user') return '';
  const typed = last.content.map((p) => (p.type === 'text' ? p.text : '')).join(' ');
  return typed.replace(/<system-reminder>[\s\S]*?<\/system-reminder>/g, ' ').replace(/\s+/g, ' ').trim();
}

/** The tool the prompt asks for: one it names, else the first when it says "tool" (or the client requires one). */
function wantedTool(request: CanonicalRequest, text: string): CanonicalTool | undefined {
  if (request.tools.length === 0 || request.toolChoice === 'none') return undefined;
  const choice = request.toolChoice;
  if (typeof choice === 'object') return request.tools.find((t) => t.name === choice.name);
  const words = new Set(text.toLowerCase().split(/[^a-z0-9_]+/));
  const named = request.tools.find((t) => words.has(t.name.toLowerCase()));
  if (named) return named;
  return choice === 'required' || words.has('tool') || words.has('tools') ? request.tools[0] : undefined;
}

/** A plausible value for a JSON Schema: what a model would fill in for a required field. */
function sampleValue(name: string, schema: unknown): unknown {
  const s = objectAt(schema) ?? {};
  const choices = arrayAt(s.enum);
  if (choices.length > 0) return choices[0];
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
    case 'number':
      return 1;
    case 'boolean':
      return false;
    case 'array':
      return [];
    case 'object':
      return sampleArguments(s);
    default:
      return name === 'command' ? 'echo "hello from the AnyRouter demo"' : /path|file|dir/i.test(name) ? '.' : 'demo';
  }
}

/** An arguments object with every required property of the tool's schema. */
export function sampleArguments(schema: JsonObject): JsonObject {
  const properties = objectAt(schema.properties) ?? {};
  const required = arrayAt(schema.required).filter((r): r is string => typeof r === 'string');
  return Object.fromEntries(required.map((name) => [name, sampleValue(name, properties[name])]));
}

function replyText(request: CanonicalRequest, speaker: Speaker): string {
  const last = lastMessage(request);
  const where = `the simulated ${FORMAT_NAMES[speaker.protocol]} provider "${speaker.provider}" (model ${request.model})`;
  if (last?.role === 'tool') {
    const result = last.content.flatMap((r) => r.content.map((p) => (p.type === 'text' ? p.text : '[image]'))).join(' ').replace(/\s+/g, ' ').trim();
    return `The tool returned: "${result.slice(0, 80)}". That is all this demo needed; answered by ${where}.`;
  }
  const asked = userText(request);
  const quote = asked.length > 60 ? `${asked.slice(0, 57)}...` : asked;
  return `Hello from ${where}. You said: "${quote}". This is a canned demo answer; no real model was called.`;
}

/** The answer to `request`, whose prompt (`inputTokens`) is counted from the wire body by the caller. */
export function demoAnswer(request: CanonicalRequest, speaker: Speaker, inputTokens: number): CanonicalResponse {
  const tool = lastMessage(request)?.role === 'user' ? wantedTool(request, userText(request)) : undefined;
  const text = tool ? `Let me use the ${tool.name} tool.` : replyText(request, speaker);
  const args = tool ? JSON.stringify(sampleArguments(tool.parameters)) : '';
  return {
    id: generateId(ID_PREFIXES[speaker.protocol].message),
    model: request.model,
    created: Math.floor(Date.now() / 1000),
    content: tool ? [{ type: 'text', text }, { type: 'tool_call', id: generateId(ID_PREFIXES[speaker.protocol].call), name: tool.name, arguments: args }] : [{ type: 'text', text }],
    stopReason: tool ? 'tool_calls' : 'stop',
    usage: { inputTokens, outputTokens: outputTokens(text + args) },
  };
}
