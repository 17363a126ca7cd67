/** Canonical request -> body for a Gemini upstream's `generateContent` / `streamGenerateContent?alt=sse`. */
import type { CanonicalMessage, CanonicalRequest, JsonObject, ToolChoice } from '../canonical.js';
import type { EncodedRequest } from '../codec.js';
import { withoutUndefined } from '../json-reader.js';
import { thinkingBudgetOf } from '../reasoning-effort.js';
import { encodeModelPart, encodeUserPart, FOREIGN_THOUGHT_SIGNATURE } from './gemini-parts.js';
import { applyExtraParams } from '../extra-params.js';

export function encodeGeminiRequest(request: CanonicalRequest): EncodedRequest {
  const dropped: string[] = [];
  const model = request.model.replace(/^models\//, '');
  const body: JsonObject = withoutUndefined({
    contents: encodeContents(request.messages, dropped),
    systemInstruction: request.system.length > 0 ? { parts: request.system.map((p) => ({ text: p.text })) } : undefined,
    tools: request.tools.length > 0
      ? [{ functionDeclarations: request.tools.map((tool) => withoutUndefined({ name: tool.name, description: tool.description, parametersJsonSchema: tool.parameters })) }]
      : undefined,
    toolConfig: request.toolChoice !== undefined && request.tools.length > 0 ? { functionCallingConfig: encodeToolChoice(request.toolChoice) } : undefined,
    generationConfig: encodeGenerationConfig(request),
  });
  for (const [value, name] of [[request.user, 'user'], [request.metadata, 'metadata'], [request.parallelToolCalls, 'parallel_tool_calls']] as const) {
    if (value !== undefined) dropped.push(name);
  }
  applyExtraParams(request, 'gemini', body, dropped);
  const path = request.stream ? `/models/${model}:streamGenerateContent?alt=sse` : `/models/${model}:generateContent`;
  return { path, body, dropped };
}

function encodeContents(messages: CanonicalMessage[], dropped: string[]): JsonObject[] {
  const toolNames = new Map<string, string>();
  const contents: Array<{ role: 'user' | 'model'; parts: JsonObject[] }> = [];
  for (const message of messages) {
    const role = message.role === 'assistant' ? 'model' : 'user';
    const parts: JsonObject[] = [];
    if (message.role === 'assistant') {
      let signed = false;
      for (const part of message.content) {
        if (part.type === 'tool_call') {
          toolNames.set(part.id, part.name);
          // the first function call of a turn must carry a signature on Gemini 3
          const encoded = encodeModelPart(part.signature === undefined && !signed ? { ...part, signature: FOREIGN_THOUGHT_SIGNATURE } : part)!;
          signed = true;
          parts.push(encoded);
          continue;
        }
        const encoded = encodeModelPart(part);
        if (encoded) parts.push(encoded);
        else if (!dropped.includes('thinking')) dropped.push('thinking');
      }
    } else if (message.role === 'tool') {
      for (const result of message.content) {
        const text = result.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
        const name = toolNames.get(result.toolCallId) ?? result.toolCallId;
        parts.push({ functionResponse: { name, response: result.isError ? { error: text } : { result: text } } });
        for (const p of result.content) if (p.type === 'image') parts.push(encodeUserPart(p));
      }
    } else parts.push(...message.content.map(encodeUserPart));
    // Gemini rejects empty text parts
    const nonEmpty = parts.filter((part) => !(part.text === '' && Object.keys(part).length === 1));
    const last = contents[contents.length - 1];
    if (last && last.role === role) last.parts.push(...nonEmpty);
    else contents.push({ role, parts: nonEmpty });
  }
  return contents.filter((c) => c.parts.length > 0);
}

function encodeToolChoice(choice: ToolChoice): JsonObject {
  if (choice === 'auto') return { mode: 'AUTO' };
  if (choice === 'none') return { mode: 'NONE' };
  if (choice === 'required') return { mode: 'ANY' };
  return { mode: 'ANY', allowedFunctionNames: [choice.name] };
}

function encodeGenerationConfig(request: CanonicalRequest): JsonObject | undefined {
  const format = request.responseFormat;
  const budget = thinkingBudgetOf(request.reasoning);
  const thinkingConfig = budget === undefined ? (request.reasoning ? { includeThoughts: true } : undefined) : budget === 0 ? { thinkingBudget: 0 } : { thinkingBudget: budget, includeThoughts: true };
  const config = withoutUndefined({
    maxOutputTokens: request.maxTokens,
    temperature: request.temperature,
    topP: request.topP,
    topK: request.topK,
    seed: request.seed,
    presencePenalty: request.presencePenalty,
    frequencyPenalty: request.frequencyPenalty,
    stopSequences: request.stopSequences.length > 0 ? request.stopSequences : undefined,
    responseMimeType: format && format.type !== 'text' ? 'application/json' : undefined,
    responseJsonSchema: format?.type === 'json_schema' ? format.schema : undefined,
    thinkingConfig,
  });
  return Object.keys(config).length > 0 ? config : undefined;
}
