/** Gemini `parts` <-> canonical parts. Gemini function calls have no ids: the gateway makes them up. */
import type { AssistantContentPart, ImagePart, JsonObject, UserContentPart } from '../canonical.js';
import { generateId } from '../generate-id.js';
import { objectAt, stringAt } from '../json-reader.js';
import { argumentsToObject, objectToArguments } from '../tool-arguments.js';

/**
 * The signature Google documents for function calls the model did not produce itself (another provider's
 * turns, or clients that cannot carry signatures): Gemini 3 rejects a current-turn function call without one.
 */
export const FOREIGN_THOUGHT_SIGNATURE = 'skip_thought_signature_validator';

export function decodeModelPart(part: JsonObject): AssistantContentPart | undefined {
  const signature = stringAt(part.thoughtSignature);
  const call = objectAt(part.functionCall);
  if (call) {
    return { type: 'tool_call', id: stringAt(call.id) ?? generateId('call_'), name: stringAt(call.name) ?? '', arguments: objectToArguments(call.args ?? {}), ...(signature ? { signature } : {}) };
  }
  const text = stringAt(part.text);
  if (text === undefined) return undefined;
  if (part.thought === true) return { type: 'thinking', text, ...(signature ? { signature } : {}), origin: 'gemini' };
  return { type: 'text', text };
}

/** Canonical assistant part -> Gemini part; `undefined` for thinking Gemini did not produce. */
export function encodeModelPart(part: AssistantContentPart): JsonObject | undefined {
  switch (part.type) {
    case 'text':
      return { text: part.text };
    case 'tool_call': {
      const encoded: JsonObject = { functionCall: { name: part.name, args: argumentsToObject(part.arguments) } };
      if (part.signature !== undefined) encoded.thoughtSignature = part.signature;
      return encoded;
    }
    case 'thinking':
      return part.origin === 'gemini' && part.signature !== undefined ? { text: part.text, thought: true, thoughtSignature: part.signature } : undefined;
  }
}

export function encodeUserPart(part: UserContentPart): JsonObject {
  if (part.type === 'text') return { text: part.text };
  return encodeImagePart(part);
}

function encodeImagePart(part: ImagePart): JsonObject {
  if (part.source.kind === 'base64') return { inlineData: { mimeType: part.source.mediaType, data: part.source.data } };
  return { fileData: { mimeType: mimeTypeForUrl(part.source.url), fileUri: part.source.url } };
}

export function decodeUserPart(part: JsonObject): UserContentPart | undefined {
  const text = stringAt(part.text);
  if (text !== undefined) return { type: 'text', text };
  const inline = objectAt(part.inlineData);
  if (inline && typeof inline.data === 'string') return { type: 'image', source: { kind: 'base64', mediaType: stringAt(inline.mimeType) ?? 'image/png', data: inline.data } };
  const file = objectAt(part.fileData);
  if (file && typeof file.fileUri === 'string') return { type: 'image', source: { kind: 'url', url: file.fileUri } };
  return undefined;
}

function mimeTypeForUrl(url: string): string {
  const extension = /\.([a-z0-9]+)(?:[?#]|$)/i.exec(url)?.[1]?.toLowerCase();
  const types: Record<string, string> = { png: 'image/png', gif: 'image/gif', webp: 'image/webp', heic: 'image/heic', heif: 'image/heif' };
  return (extension !== undefined ? types[extension] : undefined) ?? 'image/jpeg';
}
