/** Reasoning effort levels and their translation to and from explicit thinking budgets. */
import type { ReasoningConfig, ReasoningEffort } from './canonical.js';
import { ProtocolDecodeError } from './protocol-decode-error.js';

/** Every level any protocol names, weakest first. */
const EFFORT_ORDER: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const EFFORTS: ReadonlySet<string> = new Set<ReasoningEffort>(EFFORT_ORDER);

/**
 * The levels OpenAI's `reasoning_effort` (Chat Completions) and `reasoning.effort` (Responses) take. Not every
 * model takes each (`none` from gpt-5.1, `minimal` before it, `xhigh` after gpt-5.1-codex-max), but none
 * takes Anthropic's `max`.
 */
export const OPENAI_EFFORTS: readonly ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh'];

/**
 * The level of `accepted` nearest to `effort` in strength (the weaker of two equally near), so a level the
 * target does not name becomes its closest one: Anthropic's `max` is OpenAI's `xhigh`.
 */
export function clampEffort(effort: ReasoningEffort, accepted: readonly ReasoningEffort[]): ReasoningEffort {
  if (accepted.includes(effort)) return effort;
  const rank = EFFORT_ORDER.indexOf(effort);
  let best = accepted[0]!;
  for (const level of accepted) {
    const distance = Math.abs(EFFORT_ORDER.indexOf(level) - rank);
    const bestDistance = Math.abs(EFFORT_ORDER.indexOf(best) - rank);
    if (distance < bestDistance || (distance === bestDistance && EFFORT_ORDER.indexOf(level) < EFFORT_ORDER.indexOf(best))) best = level;
  }
  return best;
}

export function readReasoningEffort(value: unknown, param: string): ReasoningEffort | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string' && EFFORTS.has(value)) return value as ReasoningEffort;
  throw new ProtocolDecodeError(`'${param}' must be one of ${[...EFFORTS].join(', ')}`, param);
}

const BUDGET_BY_EFFORT: Record<ReasoningEffort, number> = { none: 0, minimal: 1024, low: 2048, medium: 8192, high: 16384, xhigh: 32768, max: 65536 };

/** The thinking budget a request asks for, in tokens; 0 means no thinking; `undefined` means the upstream's default. */
export function thinkingBudgetOf(reasoning: ReasoningConfig | undefined): number | undefined {
  if (!reasoning) return undefined;
  if (reasoning.enabled === false) return 0;
  if (reasoning.budgetTokens !== undefined) return reasoning.budgetTokens;
  if (reasoning.effort !== undefined) return BUDGET_BY_EFFORT[reasoning.effort];
  return undefined;
}

/** The effort level closest to a thinking budget. */
export function effortForBudget(budget: number): ReasoningEffort {
  if (budget <= 0) return 'none';
  if (budget <= 1024) return 'minimal';
  if (budget <= 4096) return 'low';
  if (budget <= 12288) return 'medium';
  return 'high';
}

/** The effort a request asks for, derived from its budget when it only has one. */
export function effortOf(reasoning: ReasoningConfig | undefined): ReasoningEffort | undefined {
  if (!reasoning) return undefined;
  if (reasoning.effort !== undefined) return reasoning.effort;
  if (reasoning.enabled === false) return 'none';
  if (reasoning.budgetTokens !== undefined) return effortForBudget(reasoning.budgetTokens);
  return undefined;
}

/**
 * The effort an OpenAI upstream is sent, only for a request that asked for reasoning (models without reasoning
 * reject the field); a level OpenAI does not name (Anthropic's `max`) becomes its closest one.
 */
export function openAIEffortOf(reasoning: ReasoningConfig | undefined): ReasoningEffort | undefined {
  const effort = reasoning?.enabled === false ? undefined : effortOf(reasoning);
  return effort === undefined ? undefined : clampEffort(effort, OPENAI_EFFORTS);
}
