/** OpenAI Chat `usage` <-> canonical usage (both count cached prompt tokens inside the prompt total). */
import type { CanonicalUsage, JsonObject } from '../canonical.js';
import { numberAt, objectAt } from '../json-reader.js';

export function usageFromOpenAIChat(usage: unknown): CanonicalUsage | undefined {
  const u = objectAt(usage);
  if (!u) return undefined;
  const result: CanonicalUsage = { inputTokens: numberAt(u.prompt_tokens) ?? 0, outputTokens: numberAt(u.completion_tokens) ?? 0 };
  const cached = numberAt(objectAt(u.prompt_tokens_details)?.cached_tokens);
  if (cached !== undefined) result.cacheReadTokens = cached;
  // not an OpenAI field: some compatible servers (and this gateway, for Anthropic upstreams) report cache writes here
  const cacheWrite = numberAt(objectAt(u.prompt_tokens_details)?.cache_write_tokens);
  if (cacheWrite !== undefined) result.cacheWriteTokens = cacheWrite;
  const reasoning = numberAt(objectAt(u.completion_tokens_details)?.reasoning_tokens);
  if (reasoning !== undefined) result.reasoningTokens = reasoning;
  return result;
}

export function usageToOpenAIChat(usage: CanonicalUsage): JsonObject {
  const promptDetails: JsonObject = { cached_tokens: usage.cacheReadTokens ?? 0 };
  if (usage.cacheWriteTokens !== undefined) promptDetails.cache_write_tokens = usage.cacheWriteTokens;
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens ?? 0 },
  };
}
