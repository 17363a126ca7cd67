/**
 * Tool call arguments travel as JSON text in the canonical model (OpenAI's form); Anthropic and Gemini
 * want an object. Arguments that are not a JSON object are kept, wrapped, rather than dropped.
 */
import type { JsonObject } from './canonical.js';
import { isJsonObject, parseJson } from './json-reader.js';

/** The key under which non-object arguments are kept when an object is required. */
export const RAW_ARGUMENTS_KEY = '_raw_arguments';

export function argumentsToObject(text: string): JsonObject {
  if (text.trim() === '') return {};
  const parsed = parseJson(text);
  return isJsonObject(parsed) ? parsed : { [RAW_ARGUMENTS_KEY]: text };
}

export function objectToArguments(value: unknown): string {
  if (isJsonObject(value)) {
    const raw = value[RAW_ARGUMENTS_KEY];
    if (typeof raw === 'string' && Object.keys(value).length === 1) return raw;
    return JSON.stringify(value);
  }
  return value === undefined || value === null ? '{}' : JSON.stringify(value);
}
