import { z } from 'zod';

export const budgetPeriods = ['day', 'week', 'month', 'total'] as const;

/** Spend at most `usd` per `period` (UTC day, ISO week from Monday, calendar month, or ever). */
export const budgetSchema = z
  .object({
    usd: z.number().positive(),
    period: z.enum(budgetPeriods),
  })
  .strict();

/** A budget for the whole gateway (no `app`) or for one app (its `X-AnyRouter-Title`). */
export const gatewayBudgetSchema = budgetSchema
  .extend({
    name: z.string().min(1).optional(),
    app: z.string().min(1).optional(),
  })
  .strict();
