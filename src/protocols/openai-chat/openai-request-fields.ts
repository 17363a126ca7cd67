/** Request fields Chat Completions and Responses share. */
import type { ToolChoice } from '../canonical.js';
import { objectAt, stringAt } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';

export function decodeToolChoice(value: unknown): ToolChoice | undefined {
  if (value === 'auto' || value === 'none' || value === 'required') return value;
  const choice = objectAt(value);
  // chat: {type:'function', function:{name}}; responses: {type:'function', name}
  const name = stringAt(objectAt(choice?.function)?.name) ?? stringAt(choice?.name);
  if (choice?.type === 'function' && name) return { name };
  if (value === undefined || value === null) return undefined;
  throw new ProtocolDecodeError('tool_choice must be auto, none, required or a named function', 'tool_choice');
}

export function decodeMetadata(value: unknown): Record<string, string> | undefined {
  const metadata = objectAt(value);
  if (!metadata) return undefined;
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(metadata)) if (typeof entry === 'string') result[key] = entry;
  return result;
}
