/** Responses `usage` <-> canonical usage. */
import type { CanonicalUsage, JsonObject } from '../canonical.js';
import { numberAt, objectAt } from '../json-reader.js';

export function usageFromResponses(usage: unknown): CanonicalUsage | undefined {
  const u = objectAt(usage);
  if (!u) return undefined;
  const result: CanonicalUsage = { inputTokens: numberAt(u.input_tokens) ?? 0, outputTokens: numberAt(u.output_tokens) ?? 0 };
  const inputDetails = objectAt(u.input_tokens_details);
  const cached = numberAt(inputDetails?.cached_tokens);
  if (cached !== undefined) result.cacheReadTokens = cached;
  const cacheWrite = numberAt(inputDetails?.cache_write_tokens);
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  const reasoning = numberAt(objectAt(u.output_tokens_details)?.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

export function usageToResponses(usage: CanonicalUsage): JsonObject {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens ?? 0, cache_write_tokens: usage.cacheWriteTokens ?? 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}
