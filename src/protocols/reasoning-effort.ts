/** Reasoning effort levels and their translation to and from explicit thinking budgets. */
import type { ReasoningConfig, ReasoningEffort } from './canonical.js';
import { ProtocolDecodeError } from './protocol-decode-error.js';

const EFFORTS: ReadonlySet<string> = new Set<ReasoningEffort>(['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max']);

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
