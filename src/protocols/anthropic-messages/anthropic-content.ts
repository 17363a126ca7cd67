/** Anthropic content blocks <-> canonical parts, shared by the request and response translators. */
import type { AssistantContentPart, ImagePart, JsonObject, ToolResultPart, UserContentPart } from '../canonical.js';
import { arrayAt, objectAt, stringAt } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { argumentsToObject, objectToArguments } from '../tool-arguments.js';

export function decodeImageBlock(block: JsonObject, path: string): ImagePart {
  const source = objectAt(block.source);
  if (source?.type === 'base64' && typeof source.data === 'string') return { type: 'image', source: { kind: 'base64', mediaType: stringAt(source.media_type) ?? 'image/png', data: source.data } };
  if (source?.type === 'url' && typeof source.url === 'string') return { type: 'image', source: { kind: 'url', url: source.url } };
  throw new ProtocolDecodeError(`image source type '${String(source?.type)}' cannot be translated to other providers`, `${path}.source`);
}

export function encodeImageBlock(part: ImagePart): JsonObject {
  const source = part.source.kind === 'url' ? { type: 'url', url: part.source.url } : { type: 'base64', media_type: part.source.mediaType, data: part.source.data };
  return { type: 'image', source };
}

/** An assistant block (request history or response content) -> canonical part; `undefined` for server-side blocks. */
export function decodeAssistantBlock(block: JsonObject): AssistantContentPart | undefined {
  switch (block.type) {
    case 'text':
      return { type: 'text', text: stringAt(block.text) ?? '' };
    case 'thinking': {
      const signature = stringAt(block.signature);
      return { type: 'thinking', text: stringAt(block.thinking) ?? '', ...(signature ? { signature } : {}), origin: 'anthropic-messages' };
    }
    case 'redacted_thinking':
      return { type: 'thinking', text: '', redactedData: stringAt(block.data) ?? '', origin: 'anthropic-messages' };
    case 'tool_use':
      return { type: 'tool_call', id: stringAt(block.id) ?? '', name: stringAt(block.name) ?? '', arguments: objectToArguments(block.input) };
    default:
      return undefined;
  }
}

/** A canonical assistant part -> Anthropic block; `undefined` for thinking another provider produced (Anthropic would reject it). */
export function encodeAssistantPart(part: AssistantContentPart): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return { type: 'text', text: part.text };
    case 'tool_call':
      return { type: 'tool_use', id: part.id, name: part.name, input: argumentsToObject(part.arguments) };
    case 'thinking':
      if (part.origin !== 'anthropic-messages') return undefined;
      if (part.redactedData !== undefined) return { type: 'redacted_thinking', data: part.redactedData };
      return part.signature !== undefined ? { type: 'thinking', thinking: part.text, signature: part.signature } : undefined;
  }
}

export function decodeToolResultBlock(block: JsonObject, path: string): ToolResultPart {
  const toolCallId = stringAt(block.tool_use_id);
  if (!toolCallId) throw new ProtocolDecodeError("a tool_result block needs 'tool_use_id'", path);
  const content: UserContentPart[] = [];
  if (typeof block.content === 'string') content.push({ type: 'text', text: block.content });
  arrayAt(block.content).forEach((value, i) => {
    const inner = objectAt(value);
    if (inner?.type === 'text') content.push({ type: 'text', text: stringAt(inner.text) ?? '' });
    else if (inner?.type === 'image') content.push(decodeImageBlock(inner, `${path}.content[${i}]`));
    else throw new ProtocolDecodeError(`tool_result content type '${String(inner?.type)}' cannot be translated to other providers`, `${path}.content[${i}]`);
  });
  return { type: 'tool_result', toolCallId, content, ...(block.is_error === true ? { isError: true } : {}) };
}

export function encodeToolResultPart(part: ToolResultPart): JsonObject {
  const first = part.content[0];
  const content =
    part.content.length === 0 ? '' : part.content.length === 1 && first?.type === 'text' ? first.text
    : part.content.map((p) => (p.type === 'text' ? { type: 'text', text: p.text } : encodeImageBlock(p)));
  const block: JsonObject = { type: 'tool_result', tool_use_id: part.toolCallId, content };
  if (part.isError) block.is_error = true;
  return block;
}
