/** Where a budget's period starts and ends (UTC): a day, an ISO week from Monday, a calendar month, or ever. */
import type { BudgetPeriod } from '../../bundle/format.js';

export function periodStart(period: BudgetPeriod, now: number): number {
  if (period === 'total') return 0;
  const d = new Date(now);
  if (period === 'month') return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  const day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  if (period === 'day') return day;
  const sinceMonday = (d.getUTCDay() + 6) % 7;
  return day - sinceMonday * 86_400_000;
}

/** When the period that holds `now` ends (Infinity for `total`). */
export function periodEnd(period: BudgetPeriod, now: number): number {
  if (period === 'total') return Infinity;
  const start = new Date(periodStart(period, now));
  if (period === 'month') return Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1);
  return start.getTime() + (period === 'day' ? 1 : 7) * 86_400_000;
}
