/**
 * Anthropic `usage` <-> canonical usage. Anthropic's `input_tokens` excludes the cached parts of the prompt;
 * the canonical `inputTokens` includes them.
 */
import type { CanonicalUsage, JsonObject } from '../canonical.js';
import { numberAt, objectAt } from '../json-reader.js';

/** Reads the fields present; absent ones stay absent, so partial stream usage merges cleanly. */
export function usageFromAnthropic(usage: unknown): Partial<CanonicalUsage> | undefined {
  const u = objectAt(usage);
  if (!u) return undefined;
  const result: Partial<CanonicalUsage> = {};
  const input = numberAt(u.input_tokens);
  const cacheRead = numberAt(u.cache_read_input_tokens);
  const cacheWrite = numberAt(u.cache_creation_input_tokens);
  if (input !== undefined) result.inputTokens = input + (cacheRead ?? 0) + (cacheWrite ?? 0);
  const output = numberAt(u.output_tokens);
  if (output !== undefined) result.outputTokens = output;
  if (cacheRead !== undefined) result.cacheReadTokens = cacheRead;
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  return result;
}

export function usageToAnthropic(usage: CanonicalUsage): JsonObject {
  const cacheRead = usage.cacheReadTokens ?? 0;
  const cacheWrite = usage.cacheWriteTokens ?? 0;
  return {
    input_tokens: Math.max(0, usage.inputTokens - cacheRead - cacheWrite),
    output_tokens: usage.outputTokens,
    cache_creation_input_tokens: cacheWrite,
    cache_read_input_tokens: cacheRead,
  };
}
