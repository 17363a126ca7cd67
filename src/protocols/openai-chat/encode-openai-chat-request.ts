/** Canonical request -> body for an OpenAI-compatible upstream's `POST /chat/completions`. */
import type { CanonicalMessage, CanonicalRequest, JsonObject, ResponseFormat, ToolChoice, UserContentPart } from '../canonical.js';
import type { EncodedRequest, EncodeRequestOptions } from '../codec.js';
import { imageSourceToUrl } from '../data-url.js';
import { withoutUndefined } from '../json-reader.js';
import { openAIEffortOf } from '../reasoning-effort.js';
import { applyExtraParams } from '../extra-params.js';

export function encodeOpenAIChatRequest(request: CanonicalRequest, options: EncodeRequestOptions = {}): EncodedRequest {
  const dropped: string[] = [];
  const messages: JsonObject[] = [];
  if (request.system.length > 0) messages.push({ role: 'system', content: textContent(request.system.map((p) => p.text)) });
  for (const message of request.messages) messages.push(...encodeMessage(message, dropped));

  const body: JsonObject = withoutUndefined({
    model: request.model,
    messages,
    tools: request.tools.length > 0
      ? request.tools.map((tool) => ({ type: 'function', function: withoutUndefined({ name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict }) }))
      : undefined,
    tool_choice: request.toolChoice === undefined ? undefined : encodeToolChoice(request.toolChoice),
    parallel_tool_calls: request.tools.length > 0 ? request.parallelToolCalls : undefined,
    temperature: request.temperature,
    top_p: request.topP,
    seed: request.seed,
    presence_penalty: request.presencePenalty,
    frequency_penalty: request.frequencyPenalty,
    stop: request.stopSequences.length > 0 ? request.stopSequences : undefined,
    response_format: request.responseFormat ? encodeResponseFormat(request.responseFormat) : undefined,
    reasoning_effort: openAIEffortOf(request.reasoning),
    user: request.user,
    metadata: request.metadata,
  });
  if (request.maxTokens !== undefined) body[options.maxTokensField ?? 'max_completion_tokens'] = request.maxTokens;
  if (request.topK !== undefined) dropped.push('top_k');
  if (request.stream) {
    body.stream = true;
    // always ask for usage: the gateway needs it for traces and other protocols' clients always get it
    body.stream_options = { include_usage: true };
  }
  applyExtraParams(request, 'openai-chat', body, dropped);
  return { path: '/chat/completions', body, dropped };
}

function encodeMessage(message: CanonicalMessage, dropped: string[]): JsonObject[] {
  switch (message.role) {
    case 'user':
      return [{ role: 'user', content: userContent(message.content) }];
    case 'assistant': {
      const texts: string[] = [];
      const toolCalls: JsonObject[] = [];
      for (const part of message.content) {
        if (part.type === 'text') texts.push(part.text);
        else if (part.type === 'tool_call') toolCalls.push({ id: part.id, type: 'function', function: { name: part.name, arguments: part.arguments } });
        else if (!dropped.includes('thinking')) dropped.push('thinking');
      }
      const encoded: JsonObject = { role: 'assistant', content: texts.length > 0 ? textContent(texts) : null };
      if (toolCalls.length > 0) encoded.tool_calls = toolCalls;
      return [encoded];
    }
    case 'tool': {
      const out: JsonObject[] = [];
      const images: UserContentPart[] = [];
      for (const result of message.content) {
        const texts = result.content.flatMap((p) => (p.type === 'text' ? [p.text] : []));
        images.push(...result.content.filter((p) => p.type === 'image'));
        if (result.isError && !dropped.includes('is_error')) dropped.push('is_error');
        out.push({ role: 'tool', tool_call_id: result.toolCallId, content: texts.join('\n') });
      }
      // OpenAI tool messages hold text only: images a tool returned follow as a user message
      if (images.length > 0) out.push({ role: 'user', content: userContent(images) });
      return out;
    }
  }
}

function textContent(texts: string[]): string | JsonObject[] {
  return texts.length === 1 ? texts[0]! : texts.map((text) => ({ type: 'text', text }));
}

function userContent(parts: UserContentPart[]): string | JsonObject[] {
  if (parts.length === 1 && parts[0]!.type === 'text') return parts[0]!.text;
  return parts.map((part) =>
    part.type === 'text'
      ? { type: 'text', text: part.text }
      : { type: 'image_url', image_url: withoutUndefined({ url: imageSourceToUrl(part.source), detail: part.detail }) },
  );
}

function encodeToolChoice(choice: ToolChoice): unknown {
  return typeof choice === 'string' ? choice : { type: 'function', function: { name: choice.name } };
}

function encodeResponseFormat(format: ResponseFormat): JsonObject {
  if (format.type !== 'json_schema') return { type: format.type };
  return { type: 'json_schema', json_schema: withoutUndefined({ name: format.name, description: format.description, schema: format.schema, strict: format.strict }) };
}
