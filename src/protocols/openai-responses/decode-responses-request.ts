/** OpenAI Responses request JSON (a client's `POST /v1/responses`, stateless) -> canonical request. */
import { emptyRequest, type AssistantContentPart, type CanonicalRequest, type JsonObject, type ResponseFormat, type ToolResultPart, type UserContentPart } from '../canonical.js';
import { imageSourceFromUrl } from '../data-url.js';
import { addDropped } from '../extra-params.js';
import { arrayAt, booleanAt, isJsonObject, numberAt, objectAt, stringAt, unknownEntries } from '../json-reader.js';
import { decodeMetadata } from '../openai-chat/openai-request-fields.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { readReasoningEffort } from '../reasoning-effort.js';
import { flatToolName } from '../tool-names.js';
import { decodeResponsesToolChoice, decodeResponsesTools } from './decode-responses-tools.js';

const KNOWN = new Set([
  'model', 'input', 'instructions', 'tools', 'tool_choice', 'parallel_tool_calls', 'text', 'max_output_tokens', 'temperature', 'top_p',
  'reasoning', 'user', 'safety_identifier', 'metadata', 'stream', 'stream_options', 'store', 'include',
]);

export function decodeResponsesRequest(body: unknown): CanonicalRequest {
  if (!isJsonObject(body)) throw new ProtocolDecodeError('request body must be a JSON object');
  const model = stringAt(body.model);
  if (!model) throw new ProtocolDecodeError("'model' is required", 'model');
  for (const stateful of ['previous_response_id', 'conversation', 'prompt']) {
    if (body[stateful] !== undefined && body[stateful] !== null) throw new ProtocolDecodeError(`'${stateful}' is not supported: a Responses request translated for another API is stateless (send the whole input), and only upstreams that serve Responses themselves (responses: true) keep state`, stateful);
  }
  const request = emptyRequest(model, 'openai-responses');
  const instructions = stringAt(body.instructions);
  if (instructions) request.system.push({ type: 'text', text: instructions });
  if (typeof body.input === 'string') request.messages.push({ role: 'user', content: [{ type: 'text', text: body.input }] });
  else if (Array.isArray(body.input)) body.input.forEach((item, i) => decodeItem(item, `input[${i}]`, request));
  else throw new ProtocolDecodeError("'input' must be a string or an array of items", 'input');

  const tools = decodeResponsesTools(body.tools, request);
  const toolChoice = decodeResponsesToolChoice(body.tool_choice, tools);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const parallel = booleanAt(body.parallel_tool_calls);
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const maxTokens = numberAt(body.max_output_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  const temperature = numberAt(body.temperature);
  if (temperature !== undefined) request.temperature = temperature;
  const topP = numberAt(body.top_p);
  if (topP !== undefined) request.topP = topP;
  const text = objectAt(body.text);
  const format = decodeTextFormat(text?.format);
  if (format) request.responseFormat = format;
  const reasoning = objectAt(body.reasoning);
  const effort = readReasoningEffort(reasoning?.effort, 'reasoning.effort');
  if (effort !== undefined) request.reasoning = { effort };
  // what only the Responses API itself can honour: said to be dropped rather than silently ignored
  if (reasoning?.summary !== undefined && reasoning.summary !== null) addDropped(request.unsent, 'reasoning.summary');
  if (text?.verbosity !== undefined && text.verbosity !== null) addDropped(request.unsent, 'text.verbosity');
  for (const field of ['store', 'include'] as const) if (body[field] !== undefined && body[field] !== null) addDropped(request.unsent, field);
  const user = stringAt(body.user) ?? stringAt(body.safety_identifier);
  if (user !== undefined) request.user = user;
  const metadata = decodeMetadata(body.metadata);
  if (metadata) request.metadata = metadata;
  request.stream = body.stream === true;
  request.includeUsage = true;
  request.extra = unknownEntries(body, KNOWN);
  return request;
}

function decodeItem(value: unknown, path: string, request: CanonicalRequest): void {
  const item = objectAt(value);
  if (!item) throw new ProtocolDecodeError('an input item must be an object', path);
  const last = request.messages[request.messages.length - 1];
  const assistantContent = (): AssistantContentPart[] => {
    const current = request.messages[request.messages.length - 1];
    if (current?.role === 'assistant') return current.content;
    const content: AssistantContentPart[] = [];
    request.messages.push({ role: 'assistant', content });
    return content;
  };
  switch (item.type ?? 'message') {
    case 'message':
      decodeMessageItem(item, path, request, assistantContent);
      return;
    case 'function_call':
    case 'custom_tool_call': {
      const id = stringAt(item.call_id);
      const name = stringAt(item.name);
      if (!id || !name) throw new ProtocolDecodeError(`a ${String(item.type)} item needs 'call_id' and 'name'`, path);
      // the same flat name and arguments object the tool was declared with (decode-responses-tools.ts)
      const args = item.type === 'custom_tool_call' ? JSON.stringify({ input: stringAt(item.input) ?? '' }) : stringAt(item.arguments) ?? '';
      assistantContent().push({ type: 'tool_call', id, name: flatToolName(stringAt(item.namespace), name), arguments: args });
      return;
    }
    case 'function_call_output':
    case 'custom_tool_call_output': {
      const toolCallId = stringAt(item.call_id);
      if (!toolCallId) throw new ProtocolDecodeError("a function_call_output item needs 'call_id'", path);
      const result: ToolResultPart = { type: 'tool_result', toolCallId, content: typeof item.output === 'string' ? [{ type: 'text', text: item.output }] : contentParts(item.output, `${path}.output`) };
      if (last?.role === 'tool') last.content.push(result);
      else request.messages.push({ role: 'tool', content: [result] });
      return;
    }
    case 'web_search_call':
    case 'file_search_call':
    case 'image_generation_call':
    case 'code_interpreter_call':
      // the record of a hosted tool's run: no other provider can be shown it
      addDropped(request.unsent, `input.${item.type}`);
      return;
    case 'reasoning': {
      const summary = arrayAt(item.summary).map((s) => stringAt(objectAt(s)?.text) ?? '').join('\n');
      const signature = stringAt(item.encrypted_content);
      assistantContent().push({ type: 'thinking', text: summary, ...(signature ? { signature } : {}), origin: 'openai-responses' });
      return;
    }
    default:
      throw new ProtocolDecodeError(`input item type '${String(item.type)}' is not supported by this stateless gateway`, `${path}.type`);
  }
}

function decodeMessageItem(item: JsonObject, path: string, request: CanonicalRequest, assistantContent: () => AssistantContentPart[]): void {
  const parts = typeof item.content === 'string' ? [{ type: 'text' as const, text: item.content }] : contentParts(item.content, `${path}.content`);
  switch (item.role) {
    case 'system':
    case 'developer':
      for (const part of parts) if (part.type === 'text') request.system.push(part);
      return;
    case 'user':
      request.messages.push({ role: 'user', content: parts });
      return;
    case 'assistant':
      for (const part of parts) if (part.type === 'text') assistantContent().push(part);
      return;
    default:
      throw new ProtocolDecodeError(`message role '${String(item.role)}' is not supported`, `${path}.role`);
  }
}

function contentParts(content: unknown, path: string): UserContentPart[] {
  if (!Array.isArray(content)) throw new ProtocolDecodeError('content must be a string or an array of parts', path);
  return content.map((value, i): UserContentPart => {
    const part = objectAt(value);
    if ((part?.type === 'input_text' || part?.type === 'output_text') && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (part?.type === 'refusal' && typeof part.refusal === 'string') return { type: 'text', text: part.refusal };
    const url = stringAt(part?.image_url);
    if (part?.type === 'input_image' && url) {
      const detail = stringAt(part.detail);
      return { type: 'image', source: imageSourceFromUrl(url), ...(detail ? { detail } : {}) };
    }
    throw new ProtocolDecodeError(`content part type '${String(part?.type)}' cannot be translated to other providers`, `${path}[${i}]`);
  });
}

function decodeTextFormat(value: unknown): ResponseFormat | undefined {
  const format = objectAt(value);
  if (!format) return undefined;
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  if (format.type === 'json_schema') {
    const result: ResponseFormat = { type: 'json_schema', name: stringAt(format.name) ?? 'response', schema: objectAt(format.schema) ?? {} };
    const description = stringAt(format.description);
    if (description !== undefined) result.description = description;
    const strict = booleanAt(format.strict);
    if (strict !== undefined) result.strict = strict;
    return result;
  }
  throw new ProtocolDecodeError(`text.format type '${String(format.type)}' is not supported`, 'text.format');
}
