/** Canonical request -> body for an Anthropic upstream's `POST /v1/messages`. */
import type { CanonicalMessage, CanonicalRequest, JsonObject, ToolChoice } from '../canonical.js';
import type { EncodedRequest, EncodeRequestOptions } from '../codec.js';
import { withoutUndefined } from '../json-reader.js';
import { thinkingBudgetOf } from '../reasoning-effort.js';
import { encodeAssistantPart, encodeImageBlock, encodeToolResultPart } from './anthropic-content.js';
import { applyExtraParams } from '../extra-params.js';

/** Anthropic's smallest thinking budget. */
const MIN_THINKING_BUDGET = 1024;

export function encodeAnthropicRequest(request: CanonicalRequest, options: EncodeRequestOptions = {}): EncodedRequest {
  const dropped: string[] = [];
  const maxTokens = request.maxTokens ?? options.defaultMaxTokens ?? 8192;
  const body: JsonObject = withoutUndefined({
    model: request.model,
    max_tokens: maxTokens,
    system: request.system.length === 0 ? undefined : request.system.length === 1 ? request.system[0]!.text : request.system.map((p) => ({ type: 'text', text: p.text })),
    messages: encodeMessages(request.messages, dropped),
    tools: request.tools.length > 0 ? request.tools.map((tool) => withoutUndefined({ name: tool.name, description: tool.description, input_schema: inputSchema(tool.parameters), strict: tool.strict })) : undefined,
    tool_choice: encodeToolChoice(request.toolChoice, request.parallelToolCalls, request.tools.length > 0),
    stop_sequences: request.stopSequences.length > 0 ? request.stopSequences : undefined,
    temperature: request.temperature,
    top_p: request.topP,
    top_k: request.topK,
    metadata: request.user !== undefined ? { user_id: request.user } : undefined,
    stream: request.stream ? true : undefined,
  });

  const budget = thinkingBudgetOf(request.reasoning);
  if (budget !== undefined && budget > 0 && maxTokens > MIN_THINKING_BUDGET) {
    body.thinking = { type: 'enabled', budget_tokens: Math.max(MIN_THINKING_BUDGET, Math.min(budget, maxTokens - 1)) };
    // extended thinking allows neither a custom temperature nor top_k
    for (const key of ['temperature', 'top_k'] as const) {
      if (body[key] !== undefined) {
        delete body[key];
        dropped.push(key);
      }
    }
  } else if (budget !== undefined && budget > 0) dropped.push('reasoning');

  const format = request.responseFormat;
  if (format?.type === 'json_schema') body.output_config = { format: { type: 'json_schema', schema: format.schema } };
  else if (format?.type === 'json_object') dropped.push('response_format');
  for (const [value, name] of [[request.seed, 'seed'], [request.presencePenalty, 'presence_penalty'], [request.frequencyPenalty, 'frequency_penalty'], [request.metadata, 'metadata']] as const) {
    if (value !== undefined) dropped.push(name);
  }
  applyExtraParams(request, 'anthropic-messages', body, dropped);
  return { path: '/messages', body, dropped };
}

/** Tool results travel in user turns; consecutive turns of one role merge, as Anthropic expects. */
function encodeMessages(messages: CanonicalMessage[], dropped: string[]): JsonObject[] {
  const out: Array<{ role: 'user' | 'assistant'; content: JsonObject[] }> = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'assistant' : 'user';
    const blocks: JsonObject[] = [];
    for (const part of message.content) {
      // Anthropic rejects empty text blocks
      if (part.type === 'text' && part.text === '') continue;
      if (part.type === 'tool_result') blocks.push(encodeToolResultPart(part));
      else if (part.type === 'image') blocks.push(encodeImageBlock(part));
      else {
        const block = encodeAssistantPart(part);
        if (block) blocks.push(block);
        else if (!dropped.includes('thinking')) dropped.push('thinking');
      }
    }
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  }
  // tool results must open their user turn
  for (const message of out) {
    if (message.role === 'user') message.content.sort((a, b) => Number(b.type === 'tool_result') - Number(a.type === 'tool_result'));
  }
  return out.filter((m) => m.content.length > 0);
}

function inputSchema(parameters: JsonObject): JsonObject {
  return parameters.type === undefined ? { type: 'object', ...parameters } : parameters;
}

function encodeToolChoice(choice: ToolChoice | undefined, parallel: boolean | undefined, hasTools: boolean): JsonObject | undefined {
  if (!hasTools) return undefined;
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'none') return { type: 'none' };
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  return { type: 'tool', name: choice.name, ...disable };
}
