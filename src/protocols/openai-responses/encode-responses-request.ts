/** Canonical request -> body for a Responses upstream's `POST /responses` (stateless: `store: false`). */
import type { CanonicalRequest, JsonObject, UserContentPart } from '../canonical.js';
import type { EncodedRequest } from '../codec.js';
import { imageSourceToUrl } from '../data-url.js';
import { withoutUndefined } from '../json-reader.js';
import { openAIEffortOf } from '../reasoning-effort.js';
import { applyExtraParams } from '../extra-params.js';

export function encodeResponsesRequest(request: CanonicalRequest): EncodedRequest {
  const dropped: string[] = [];
  const input: JsonObject[] = [];
  for (const message of request.messages) {
    if (message.role === 'user') input.push({ role: 'user', content: message.content.map(inputPart) });
    else if (message.role === 'tool') {
      for (const result of message.content) {
        const onlyText = result.content.every((p) => p.type === 'text');
        const output = onlyText ? result.content.map((p) => (p.type === 'text' ? p.text : '')).join('') : result.content.map(inputPart);
        input.push({ type: 'function_call_output', call_id: result.toolCallId, output });
      }
    } else {
      for (const part of message.content) {
        if (part.type === 'text') input.push({ role: 'assistant', content: part.text });
        else if (part.type === 'tool_call') input.push({ type: 'function_call', call_id: part.id, name: part.name, arguments: part.arguments });
        else if (!dropped.includes('thinking')) dropped.push('thinking');
      }
    }
  }
  const format = request.responseFormat;
  const effort = openAIEffortOf(request.reasoning);
  const body: JsonObject = withoutUndefined({
    model: request.model,
    instructions: request.system.length > 0 ? request.system.map((p) => p.text).join('\n\n') : undefined,
    input,
    tools: request.tools.length > 0 ? request.tools.map((tool) => withoutUndefined({ type: 'function', name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict ?? false })) : undefined,
    tool_choice: request.toolChoice === undefined ? undefined : typeof request.toolChoice === 'string' ? request.toolChoice : { type: 'function', name: request.toolChoice.name },
    parallel_tool_calls: request.tools.length > 0 ? request.parallelToolCalls : undefined,
    text: format ? { format: format.type === 'json_schema' ? withoutUndefined({ type: 'json_schema', name: format.name, description: format.description, schema: format.schema, strict: format.strict }) : { type: format.type } } : undefined,
    max_output_tokens: request.maxTokens,
    temperature: request.temperature,
    top_p: request.topP,
    reasoning: effort !== undefined ? { effort } : undefined,
    user: request.user,
    metadata: request.metadata,
    stream: request.stream ? true : undefined,
    store: false,
  });
  for (const [value, name] of [[request.topK, 'top_k'], [request.seed, 'seed'], [request.presencePenalty, 'presence_penalty'], [request.frequencyPenalty, 'frequency_penalty']] as const) {
    if (value !== undefined) dropped.push(name);
  }
  if (request.stopSequences.length > 0) dropped.push('stop');
  applyExtraParams(request, 'openai-responses', body, dropped);
  return { path: '/responses', body, dropped };
}

function inputPart(part: UserContentPart): JsonObject {
  if (part.type === 'text') return { type: 'input_text', text: part.text };
  return { type: 'input_image', image_url: imageSourceToUrl(part.source), detail: part.detail ?? 'auto' };
}
