/** Anthropic Messages request JSON (a client's `POST /v1/messages`) -> canonical request. */
import { emptyRequest, type AssistantContentPart, type CanonicalRequest, type CanonicalTool, type JsonObject, type ToolChoice, type ToolResultPart, type UserContentPart } from '../canonical.js';
import { arrayAt, isJsonObject, numberAt, objectAt, stringAt, unknownEntries } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { readReasoningEffort } from '../reasoning-effort.js';
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

  if (typeof body.system === 'string') {
    if (body.system !== '') request.system.push({ type: 'text', text: body.system });
  } else {
    arrayAt(body.system).forEach((value, i) => {
      const block = objectAt(value);
      if (block?.type !== 'text' || typeof block.text !== 'string') throw new ProtocolDecodeError('system blocks must be text blocks', `system[${i}]`);
      request.system.push({ type: 'text', text: block.text });
    });
  }
  body.messages.forEach((value, i) => decodeMessage(value, `messages[${i}]`, request));

  request.tools = arrayAt(body.tools).map((tool, i) => decodeTool(tool, `tools[${i}]`));
  decodeToolChoice(body.tool_choice, request);
  const maxTokens = numberAt(body.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  for (const [field, key] of [['temperature', 'temperature'], ['top_p', 'topP'], ['top_k', 'topK']] as const) {
    const value = numberAt(body[field]);
    if (value !== undefined) request[key] = value;
  }
  request.stopSequences = arrayAt(body.stop_sequences).filter((s): s is string => typeof s === 'string');
  const user = stringAt(objectAt(body.metadata)?.user_id);
  if (user !== undefined) request.user = user;
  decodeThinking(body, request);
  request.stream = body.stream === true;
  request.includeUsage = request.stream;
  request.extra = unknownEntries(body, KNOWN);
  return request;
}

function decodeMessage(value: unknown, path: string, request: CanonicalRequest): void {
  const message = objectAt(value);
  if (message?.role !== 'user' && message?.role !== 'assistant') throw new ProtocolDecodeError("a message's role must be 'user' or 'assistant'", `${path}.role`);
  const blocks: JsonObject[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : arrayAt(message.content).map((b) => objectAt(b) ?? {});
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

function decodeTool(value: unknown, path: string): CanonicalTool {
  const tool = objectAt(value);
  const name = stringAt(tool?.name);
  if (!tool || !name || (tool.type !== undefined && tool.type !== null && tool.type !== 'custom')) {
    throw new ProtocolDecodeError(`tool type '${String(tool?.type)}' is an Anthropic server tool and cannot be translated to other providers`, path);
  }
  const result: CanonicalTool = { name, parameters: objectAt(tool.input_schema) ?? { type: 'object', properties: {} } };
  const description = stringAt(tool.description);
  if (description !== undefined) result.description = description;
  if (typeof tool.strict === 'boolean') result.strict = tool.strict;
  return result;
}

function decodeToolChoice(value: unknown, request: CanonicalRequest): void {
  const choice = objectAt(value);
  if (!choice) return;
  const byType: Record<string, ToolChoice | undefined> = { auto: 'auto', any: 'required', none: 'none' };
  const name = stringAt(choice.name);
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
