import { z } from 'zod';
import { BUDGET_PERIODS } from '../../bundle/format.js';

/** Spend at most `usd` per `period` (UTC day, ISO week from Monday, calendar month, or ever). */
export const budgetSchema = z
  .object({
    usd: z.number().positive(),
    period: z.enum(BUDGET_PERIODS),
  })
  .strict();

/** A budget for the whole gateway (no `app`) or for one app (its `X-AnyRouter-Title`). */
export const gatewayBudgetSchema = budgetSchema
  .extend({
    name: z.string().min(1).optional(),
    app: z.string().min(1).optional(),
  })
  .strict();
