/** Anthropic Messages request JSON (a client's `POST /v1/messages`) -> canonical request. */
import { emptyRequest, type AssistantContentPart, type CanonicalRequest, type CanonicalTool, type JsonObject, type TextPart, type ToolChoice, type ToolResultPart, type UserContentPart } from '../canonical.js';
import { addDropped } from '../extra-params.js';
import { arrayAt, isJsonObject, numberAt, objectAt, stringAt, unknownEntries } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { readReasoningEffort } from '../reasoning-effort.js';
import { isPortableUserId } from '../end-user-id.js';
import { decodeAssistantBlock, decodeImageBlock, decodeToolResultBlock } from './anthropic-content.js';

const KNOWN = new Set([
  'model', 'messages', 'system', 'max_tokens', 'tools', 'tool_choice', 'stop_sequences', 'temperature', 'top_p', 'top_k', 'metadata', 'thinking', 'output_config', 'stream',
]);

export function decodeAnthropicRequest(body: unknown): CanonicalRequest {
  if (!isJsonObject(body)) throw new ProtocolDecodeError('request body must be a JSON object');
  const model = stringAt(body.model);
  if (!model) throw new ProtocolDecodeError("'model' is required", 'model');
  if (!Array.isArray(body.messages)) throw new ProtocolDecodeError("'messages' must be an array", 'messages');
  const request = emptyRequest(model, 'anthropic-messages');

  request.system.push(...systemParts(body.system, 'system', request));
  body.messages.forEach((value, i) => decodeMessage(value, `messages[${i}]`, request));

  const serverTools: string[] = [];
  arrayAt(body.tools).forEach((tool, i) => {
    const decoded = decodeTool(tool, `tools[${i}]`, request);
    if (typeof decoded === 'string') serverTools.push(decoded);
    else request.tools.push(decoded);
  });
  decodeToolChoice(body.tool_choice, request, serverTools);
  const maxTokens = numberAt(body.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  for (const [field, key] of [['temperature', 'temperature'], ['top_p', 'topP'], ['top_k', 'topK']] as const) {
    const value = numberAt(body[field]);
    if (value !== undefined) request[key] = value;
  }
  request.stopSequences = arrayAt(body.stop_sequences).filter((s): s is string => typeof s === 'string');
  const metadata = objectAt(body.metadata);
  const user = stringAt(metadata?.user_id);
  if (user !== undefined) {
    if (isPortableUserId(user)) request.user = user;
    else addDropped(request.unsent, 'user');
  }
  // `user_id` is the one metadata field with a place elsewhere
  if (metadata && Object.keys(metadata).some((key) => key !== 'user_id')) addDropped(request.unsent, 'metadata');
  decodeThinking(body, request);
  request.stream = body.stream === true;
  request.includeUsage = request.stream;
  request.extra = unknownEntries(body, KNOWN);
  return request;
}

/**
 * The `system` field, or a `system` entry among the messages (Claude Code's mid-conversation system
 * prompt): a string or text blocks. Such an entry joins the system prompt, after what came before it.
 */
function systemParts(value: unknown, path: string, request: CanonicalRequest): TextPart[] {
  if (typeof value === 'string') return value === '' ? [] : [{ type: 'text', text: value }];
  if (value !== undefined && value !== null && !Array.isArray(value)) throw new ProtocolDecodeError('a system prompt must be a string or an array of text blocks', path);
  return arrayAt(value).map((entry, i) => {
    const block = objectAt(entry);
    if (block?.type !== 'text' || typeof block.text !== 'string') throw new ProtocolDecodeError('system blocks must be text blocks', `${path}[${i}]`);
    noteCacheHint(block, request);
    return { type: 'text', text: block.text };
  });
}

/** `cache_control` means nothing to another provider: it is listed as dropped, once. */
function noteCacheHint(object: JsonObject, request: CanonicalRequest): void {
  if (object.cache_control !== undefined) addDropped(request.unsent, 'cache_control');
}

function decodeMessage(value: unknown, path: string, request: CanonicalRequest): void {
  const message = objectAt(value);
  if (message?.role === 'system') {
    request.system.push(...systemParts(message.content, `${path}.content`, request));
    return;
  }
  if (message?.role !== 'user' && message?.role !== 'assistant') throw new ProtocolDecodeError("a message's role must be 'user', 'assistant' or 'system'", `${path}.role`);
  const blocks: JsonObject[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : arrayAt(message.content).map((b) => objectAt(b) ?? {});
  for (const block of blocks) noteCacheHint(block, request);
  if (message.role === 'assistant') {
    const content: AssistantContentPart[] = blocks.map((block, i) => {
      const part = decodeAssistantBlock(block);
      if (!part) throw new ProtocolDecodeError(`assistant block type '${String(block.type)}' cannot be translated to other providers`, `${path}.content[${i}]`);
      return part;
    });
    request.messages.push({ role: 'assistant', content });
    return;
  }
  // a user turn may mix tool results and new input: results become tool messages, in order
  let user: UserContentPart[] | undefined;
  let results: ToolResultPart[] | undefined;
  blocks.forEach((block, i) => {
    const blockPath = `${path}.content[${i}]`;
    if (block.type === 'tool_result') {
      user = undefined;
      if (!results) request.messages.push({ role: 'tool', content: (results = []) });
      results.push(decodeToolResultBlock(block, blockPath));
      return;
    }
    results = undefined;
    if (!user) request.messages.push({ role: 'user', content: (user = []) });
    if (block.type === 'text') user.push({ type: 'text', text: stringAt(block.text) ?? '' });
    else if (block.type === 'image') user.push(decodeImageBlock(block, blockPath));
    else throw new ProtocolDecodeError(`content block type '${String(block.type)}' cannot be translated to other providers`, blockPath);
  });
}

/** Fields of a client tool that are hints to Anthropic's own API, not part of the tool's meaning. */
const TOOL_HINTS = ['cache_control', 'defer_loading', 'eager_input_streaming', 'allowed_callers', 'input_examples'];

/** A client tool, or for an Anthropic server tool (`web_search_20250305` ...) the name it is dropped under. */
function decodeTool(value: unknown, path: string, request: CanonicalRequest): CanonicalTool | string {
  const tool = objectAt(value);
  const name = stringAt(tool?.name);
  if (!tool || !name) throw new ProtocolDecodeError("a tool needs a 'name'", path);
  if (tool.type !== undefined && tool.type !== null && tool.type !== 'custom') {
    // a server tool runs inside Anthropic's API: no other provider has it, so it is dropped, not refused
    addDropped(request.unsent, `tools.${String(tool.type)}`);
    return name;
  }
  for (const hint of TOOL_HINTS) if (tool[hint] !== undefined) addDropped(request.unsent, `tools.${hint}`);
  const result: CanonicalTool = { name, parameters: objectAt(tool.input_schema) ?? { type: 'object', properties: {} } };
  const description = stringAt(tool.description);
  if (description !== undefined) result.description = description;
  if (typeof tool.strict === 'boolean') result.strict = tool.strict;
  return result;
}

function decodeToolChoice(value: unknown, request: CanonicalRequest, serverTools: readonly string[]): void {
  const choice = objectAt(value);
  if (!choice) return;
  const byType: Record<string, ToolChoice | undefined> = { auto: 'auto', any: 'required', none: 'none' };
  const name = stringAt(choice.name);
  if (choice.type === 'tool' && name !== undefined && serverTools.includes(name)) {
    throw new ProtocolDecodeError(`tool_choice names '${name}', an Anthropic server tool other providers do not have: choose a client tool or 'auto'`, 'tool_choice.name');
  }
  const mapped = choice.type === 'tool' && name ? { name } : byType[String(choice.type)];
  if (!mapped) throw new ProtocolDecodeError(`tool_choice type '${String(choice.type)}' is not supported`, 'tool_choice');
  request.toolChoice = mapped;
  if (choice.disable_parallel_tool_use === true) request.parallelToolCalls = false;
}

function decodeThinking(body: JsonObject, request: CanonicalRequest): void {
  const thinking = objectAt(body.thinking);
  const output = objectAt(body.output_config);
  const effort = readReasoningEffort(output?.effort, 'output_config.effort');
  const budgetTokens = numberAt(thinking?.budget_tokens);
  if (thinking?.type === 'enabled') request.reasoning = { enabled: true, ...(budgetTokens !== undefined ? { budgetTokens } : {}) };
  else if (thinking?.type === 'adaptive') request.reasoning = { enabled: true };
  else if (thinking?.type === 'disabled') request.reasoning = { enabled: false };
  if (effort !== undefined) request.reasoning = { ...request.reasoning, effort };
  const format = objectAt(output?.format);
  if (format?.type === 'json_schema') request.responseFormat = { type: 'json_schema', name: 'response', schema: objectAt(format.schema) ?? {} };
}
