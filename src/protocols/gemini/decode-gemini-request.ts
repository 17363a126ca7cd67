/**
 * A `generateContent` request body -> canonical request. Gemini puts the model in the URL: the body's
 * `model` is read when present, otherwise the caller sets `request.model` from the path.
 */
import { emptyRequest, type AssistantContentPart, type CanonicalRequest, type CanonicalTool, type ToolResultPart, type UserContentPart } from '../canonical.js';
import { arrayAt, isJsonObject, numberAt, objectAt, stringAt, unknownEntries } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { decodeModelPart, decodeUserPart, FOREIGN_THOUGHT_SIGNATURE } from './gemini-parts.js';

const KNOWN = new Set(['model', 'contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig']);

export function decodeGeminiRequest(body: unknown): CanonicalRequest {
  if (!isJsonObject(body)) throw new ProtocolDecodeError('request body must be a JSON object');
  const request = emptyRequest((stringAt(body.model) ?? '').replace(/^models\//, ''), 'gemini');
  for (const part of arrayAt(objectAt(body.systemInstruction)?.parts)) {
    const text = stringAt(objectAt(part)?.text);
    if (text !== undefined) request.system.push({ type: 'text', text });
  }
  /** Function name -> ids of its calls not answered yet, to pair responses with calls in order. */
  const pending = new Map<string, string[]>();
  arrayAt(body.contents).forEach((value, i) => {
    const content = objectAt(value) ?? {};
    const parts = arrayAt(content.parts).map((p) => objectAt(p) ?? {});
    if (content.role === 'model') {
      const assistant: AssistantContentPart[] = [];
      for (const part of parts) {
        const decoded = decodeModelPart(part);
        if (decoded?.type === 'tool_call') {
          pending.set(decoded.name, [...(pending.get(decoded.name) ?? []), decoded.id]);
          if (decoded.signature === FOREIGN_THOUGHT_SIGNATURE) delete decoded.signature;
        }
        if (decoded) assistant.push(decoded);
      }
      request.messages.push({ role: 'assistant', content: assistant });
      return;
    }
    let user: UserContentPart[] | undefined;
    let results: ToolResultPart[] | undefined;
    parts.forEach((part, j) => {
      const response = objectAt(part.functionResponse);
      if (response) {
        user = undefined;
        if (!results) request.messages.push({ role: 'tool', content: (results = []) });
        const name = stringAt(response.name) ?? '';
        const toolCallId = stringAt(response.id) ?? pending.get(name)?.shift() ?? name;
        results.push(toolResult(toolCallId, objectAt(response.response) ?? {}));
        return;
      }
      const decoded = decodeUserPart(part);
      if (!decoded) throw new ProtocolDecodeError('part type cannot be translated to other providers', `contents[${i}].parts[${j}]`);
      results = undefined;
      if (!user) request.messages.push({ role: 'user', content: (user = []) });
      user.push(decoded);
    });
  });

  const tools: CanonicalTool[] = [];
  for (const tool of arrayAt(body.tools)) {
    for (const value of arrayAt(objectAt(tool)?.functionDeclarations)) {
      const declaration = objectAt(value) ?? {};
      const parameters = objectAt(declaration.parametersJsonSchema) ?? objectAt(declaration.parameters) ?? { type: 'object', properties: {} };
      const description = stringAt(declaration.description);
      tools.push({ name: stringAt(declaration.name) ?? '', parameters, ...(description !== undefined ? { description } : {}) });
    }
  }
  request.tools = tools;
  const calling = objectAt(objectAt(body.toolConfig)?.functionCallingConfig);
  const allowed = arrayAt(calling?.allowedFunctionNames);
  if (calling?.mode === 'AUTO') request.toolChoice = 'auto';
  else if (calling?.mode === 'NONE') request.toolChoice = 'none';
  else if (calling?.mode === 'ANY') request.toolChoice = allowed.length === 1 && typeof allowed[0] === 'string' ? { name: allowed[0] } : 'required';

  const config = objectAt(body.generationConfig) ?? {};
  for (const [field, key] of [['maxOutputTokens', 'maxTokens'], ['temperature', 'temperature'], ['topP', 'topP'], ['topK', 'topK'], ['seed', 'seed'], ['presencePenalty', 'presencePenalty'], ['frequencyPenalty', 'frequencyPenalty']] as const) {
    const value = numberAt(config[field]);
    if (value !== undefined) request[key] = value;
  }
  request.stopSequences = arrayAt(config.stopSequences).filter((s): s is string => typeof s === 'string');
  const schema = objectAt(config.responseJsonSchema) ?? objectAt(config.responseSchema);
  if (schema) request.responseFormat = { type: 'json_schema', name: 'response', schema };
  else if (config.responseMimeType === 'application/json') request.responseFormat = { type: 'json_object' };
  const thinking = objectAt(config.thinkingConfig);
  const budget = numberAt(thinking?.thinkingBudget);
  if (budget === 0) request.reasoning = { enabled: false };
  else if (budget !== undefined && budget > 0) request.reasoning = { enabled: true, budgetTokens: budget };
  else if (thinking?.includeThoughts === true) request.reasoning = { enabled: true };
  request.extra = unknownEntries(body, KNOWN);
  return request;
}

function toolResult(toolCallId: string, response: Record<string, unknown>): ToolResultPart {
  const keys = Object.keys(response);
  if (keys.length === 1 && typeof response.result === 'string') return { type: 'tool_result', toolCallId, content: [{ type: 'text', text: response.result }] };
  if (keys.length === 1 && typeof response.error === 'string') return { type: 'tool_result', toolCallId, content: [{ type: 'text', text: response.error }], isError: true };
  return { type: 'tool_result', toolCallId, content: [{ type: 'text', text: JSON.stringify(response) }] };
}
