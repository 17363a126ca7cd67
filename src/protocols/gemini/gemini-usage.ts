/** Gemini `usageMetadata` <-> canonical usage. Gemini counts thoughts apart from candidates; canonical output includes them. */
import type { CanonicalUsage, JsonObject } from '../canonical.js';
import { numberAt, objectAt } from '../json-reader.js';

export function usageFromGemini(metadata: unknown): CanonicalUsage | undefined {
  const m = objectAt(metadata);
  if (!m) return undefined;
  const thoughts = numberAt(m.thoughtsTokenCount);
  const usage: CanonicalUsage = {
    inputTokens: (numberAt(m.promptTokenCount) ?? 0) + (numberAt(m.toolUsePromptTokenCount) ?? 0),
    outputTokens: (numberAt(m.candidatesTokenCount) ?? 0) + (thoughts ?? 0),
  };
  const cached = numberAt(m.cachedContentTokenCount);
  if (cached !== undefined) usage.cacheReadTokens = cached;
  if (thoughts !== undefined) usage.reasoningTokens = thoughts;
  return usage;
}

export function usageToGemini(usage: CanonicalUsage): JsonObject {
  const metadata: JsonObject = {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens - (usage.reasoningTokens ?? 0),
    totalTokenCount: usage.inputTokens + usage.outputTokens,
  };
  if (usage.cacheReadTokens !== undefined) metadata.cachedContentTokenCount = usage.cacheReadTokens;
  if (usage.reasoningTokens !== undefined) metadata.thoughtsTokenCount = usage.reasoningTokens;
  return metadata;
}
