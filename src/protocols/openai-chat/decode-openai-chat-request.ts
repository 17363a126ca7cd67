/** OpenAI Chat Completions request JSON (a client's `POST /v1/chat/completions`) -> canonical request. */
import { emptyRequest, type CanonicalMessage, type CanonicalRequest, type CanonicalTool, type JsonObject, type ResponseFormat, type TextPart, type UserContentPart } from '../canonical.js';
import { imageSourceFromUrl } from '../data-url.js';
import { arrayAt, booleanAt, isJsonObject, numberAt, objectAt, stringAt, unknownEntries } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { readReasoningEffort } from '../reasoning-effort.js';
import { decodeMetadata, decodeToolChoice } from './openai-request-fields.js';

const KNOWN = new Set([
  'model', 'messages', 'tools', 'tool_choice', 'parallel_tool_calls', 'max_tokens', 'max_completion_tokens', 'temperature', 'top_p',
  'seed', 'presence_penalty', 'frequency_penalty', 'stop', 'response_format', 'reasoning_effort', 'user', 'metadata', 'stream', 'stream_options',
]);

export function decodeOpenAIChatRequest(body: unknown): CanonicalRequest {
  if (!isJsonObject(body)) throw new ProtocolDecodeError('request body must be a JSON object');
  const model = stringAt(body.model);
  if (!model) throw new ProtocolDecodeError("'model' is required", 'model');
  if (!Array.isArray(body.messages) || body.messages.length === 0) throw new ProtocolDecodeError("'messages' must be a non-empty array", 'messages');
  const request = emptyRequest(model, 'openai-chat');
  body.messages.forEach((message, i) => decodeMessage(message, `messages[${i}]`, request));

  request.tools = arrayAt(body.tools).map((tool, i) => decodeTool(tool, `tools[${i}]`));
  const toolChoice = decodeToolChoice(body.tool_choice);
  if (toolChoice !== undefined) request.toolChoice = toolChoice;
  const parallel = booleanAt(body.parallel_tool_calls);
  if (parallel !== undefined) request.parallelToolCalls = parallel;
  const maxTokens = numberAt(body.max_completion_tokens) ?? numberAt(body.max_tokens);
  if (maxTokens !== undefined) request.maxTokens = maxTokens;
  for (const [field, key] of [['temperature', 'temperature'], ['top_p', 'topP'], ['seed', 'seed'], ['presence_penalty', 'presencePenalty'], ['frequency_penalty', 'frequencyPenalty']] as const) {
    const value = numberAt(body[field]);
    if (value !== undefined) request[key] = value;
  }
  if (typeof body.stop === 'string') request.stopSequences = [body.stop];
  else request.stopSequences = arrayAt(body.stop).filter((s): s is string => typeof s === 'string');
  const format = decodeResponseFormat(body.response_format);
  if (format) request.responseFormat = format;
  const effort = readReasoningEffort(body.reasoning_effort, 'reasoning_effort');
  if (effort !== undefined) request.reasoning = { effort };
  const user = stringAt(body.user);
  if (user !== undefined) request.user = user;
  const metadata = decodeMetadata(body.metadata);
  if (metadata) request.metadata = metadata;
  request.stream = body.stream === true;
  request.includeUsage = objectAt(body.stream_options)?.include_usage === true;
  request.extra = unknownEntries(body, KNOWN);
  return request;
}

function decodeMessage(value: unknown, path: string, request: CanonicalRequest): void {
  const message = objectAt(value);
  if (!message) throw new ProtocolDecodeError('a message must be an object', path);
  switch (message.role) {
    case 'system':
    case 'developer':
      request.system.push(...textParts(message.content, `${path}.content`));
      return;
    case 'user':
      request.messages.push({ role: 'user', content: userParts(message.content, `${path}.content`) });
      return;
    case 'assistant':
      request.messages.push(decodeAssistant(message, path));
      return;
    case 'tool': {
      const toolCallId = stringAt(message.tool_call_id);
      if (!toolCallId) throw new ProtocolDecodeError("a tool message needs 'tool_call_id'", `${path}.tool_call_id`);
      request.messages.push({ role: 'tool', content: [{ type: 'tool_result', toolCallId, content: userParts(message.content, `${path}.content`) }] });
      return;
    }
    default:
      throw new ProtocolDecodeError(`message role '${String(message.role)}' is not supported`, `${path}.role`);
  }
}

function decodeAssistant(message: JsonObject, path: string): CanonicalMessage {
  const content: Extract<CanonicalMessage, { role: 'assistant' }>['content'] = [];
  const reasoning = stringAt(message.reasoning_content);
  if (reasoning) content.push({ type: 'thinking', text: reasoning, origin: 'openai-chat' });
  if (message.content !== null && message.content !== undefined) {
    for (const part of textParts(message.content, `${path}.content`, true)) content.push(part);
  }
  arrayAt(message.tool_calls).forEach((call, i) => {
    const c = objectAt(call);
    const fn = objectAt(c?.function);
    const id = stringAt(c?.id);
    const name = stringAt(fn?.name);
    if (!id || !name) throw new ProtocolDecodeError('a tool call needs an id and a function name', `${path}.tool_calls[${i}]`);
    content.push({ type: 'tool_call', id, name, arguments: stringAt(fn?.arguments) ?? '' });
  });
  return { role: 'assistant', content };
}

/** String content, or an array of text parts (`refusal` parts count as text for an assistant). */
function textParts(content: unknown, path: string, allowRefusal = false): TextPart[] {
  if (typeof content === 'string') return content === '' ? [] : [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new ProtocolDecodeError('content must be a string or an array of parts', path);
  return content.map((value, i) => {
    const part = objectAt(value);
    if (part?.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    if (allowRefusal && part?.type === 'refusal' && typeof part.refusal === 'string') return { type: 'text', text: part.refusal };
    throw new ProtocolDecodeError(`content part type '${String(part?.type)}' is not supported here`, `${path}[${i}]`);
  });
}

function userParts(content: unknown, path: string): UserContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) throw new ProtocolDecodeError('content must be a string or an array of parts', path);
  return content.map((value, i): UserContentPart => {
    const part = objectAt(value);
    if (part?.type === 'text' && typeof part.text === 'string') return { type: 'text', text: part.text };
    const image = objectAt(part?.image_url);
    const url = stringAt(image?.url);
    if (part?.type === 'image_url' && url) {
      const detail = stringAt(image?.detail);
      return { type: 'image', source: imageSourceFromUrl(url), ...(detail ? { detail } : {}) };
    }
    throw new ProtocolDecodeError(`content part type '${String(part?.type)}' cannot be translated to other providers`, `${path}[${i}]`);
  });
}

function decodeTool(value: unknown, path: string): CanonicalTool {
  const tool = objectAt(value);
  const fn = objectAt(tool?.function);
  const name = stringAt(fn?.name);
  if (tool?.type !== 'function' || !fn || !name) throw new ProtocolDecodeError("only tools of type 'function' with a name can be translated", path);
  const result: CanonicalTool = { name, parameters: objectAt(fn.parameters) ?? { type: 'object', properties: {} } };
  const description = stringAt(fn.description);
  if (description !== undefined) result.description = description;
  const strict = booleanAt(fn.strict);
  if (strict !== undefined) result.strict = strict;
  return result;
}

function decodeResponseFormat(value: unknown): ResponseFormat | undefined {
  const format = objectAt(value);
  if (!format) return undefined;
  if (format.type === 'text' || format.type === 'json_object') return { type: format.type };
  const spec = objectAt(format.json_schema);
  if (format.type === 'json_schema' && spec) {
    const result: ResponseFormat = { type: 'json_schema', name: stringAt(spec.name) ?? 'response', schema: objectAt(spec.schema) ?? {} };
    const description = stringAt(spec.description);
    if (description !== undefined) result.description = description;
    const strict = booleanAt(spec.strict);
    if (strict !== undefined) result.strict = strict;
    return result;
  }
  throw new ProtocolDecodeError(`response_format type '${String(format.type)}' is not supported`, 'response_format');
}
