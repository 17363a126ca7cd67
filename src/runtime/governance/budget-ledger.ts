/**
 * Spend against budgets: per gateway key, per app (`X-AnyRouter-Title`) and for the whole gateway. A request
 * is checked before routing (over budget: 402, no upstream call); its cost is added when its answer ends, so
 * a request in flight is never cut. Counts start from the request log's spend in the current period, and are
 * added up across instances when a shared adder is set (Redis).
 */
import type { BundleBudget, BundleGatewayBudget, RoutingBundle } from '../../bundle/format.js';
import { periodEnd, periodStart } from './budget-periods.js';

interface Budget {
  /** How it is named in messages: `key 'ci'`, `app 'My App'`, `gateway 'all'`. */
  label: string;
  /** Its id in the shared state. */
  id: string;
  spec: BundleBudget;
  periodStart: number;
  spentUsd: number;
}

export interface BudgetRefusal {
  status: 402;
  code: 'budget_exceeded';
  message: string;
  headers: Record<string, string>;
}

/** Where spend of the current period is read from at start (the request log's usage query). */
export interface SpendSource {
  spentSince(scope: { key?: string; app?: string }, from: number): Promise<number>;
}

export type SharedSpend = (id: string, periodStart: number, usd: number) => Promise<number | undefined>;

export class BudgetLedger {
  private readonly byKey = new Map<string, Budget>();
  private readonly byApp = new Map<string, Budget>();
  private readonly gateway: Budget[] = [];
  /** Run-time keys' budgets as last set, so their spend outlives a refresh. */
  private readonly runtimeSpend = new Map<string, Budget>();
  shared: SharedSpend | undefined;

  constructor(bundle: RoutingBundle, now: number) {
    for (const k of bundle.auth.gatewayKeys) if (k.budget) this.byKey.set(k.name, budget(`gateway key '${k.name}'`, `key:${k.name}`, k.budget, now));
    for (const b of bundle.budgets ?? []) {
      if (b.app !== undefined) this.byApp.set(b.app, budget(`app '${b.app}'`, `app:${b.app}`, b, now));
      else this.gateway.push(budget(`gateway '${nameOf(b)}'`, `gateway:${nameOf(b)}`, b, now));
    }
  }

  /** The budgets of the keys created at run time, replacing the previous ones (spend carries over by name). */
  setRuntimeBudgets(keys: ReadonlyArray<{ name: string; budget?: BundleBudget }>, configNames: ReadonlySet<string>, now: number): void {
    for (const name of [...this.byKey.keys()]) if (!configNames.has(name)) this.byKey.delete(name);
    for (const k of keys) {
      if (!k.budget || configNames.has(k.name)) continue;
      const before = this.runtimeSpend.get(k.name);
      const b = budget(`gateway key '${k.name}'`, `key:${k.name}`, k.budget, now);
      if (before && before.spec.period === k.budget.period) {
        b.periodStart = before.periodStart;
        b.spentUsd = before.spentUsd;
      }
      this.byKey.set(k.name, b);
      this.runtimeSpend.set(k.name, b);
    }
  }

  get empty(): boolean {
    return this.byKey.size === 0 && this.byApp.size === 0 && this.gateway.length === 0;
  }

  /** Spend so far in each budget's period, from the request log. */
  async load(source: SpendSource, now: number): Promise<void> {
    const all: Array<[{ key?: string; app?: string }, Budget]> = [
      ...[...this.byKey.entries()].map(([key, b]): [{ key: string }, Budget] => [{ key }, b]),
      ...[...this.byApp.entries()].map(([app, b]): [{ app: string }, Budget] => [{ app }, b]),
      ...this.gateway.map((b): [object, Budget] => [{}, b]),
    ];
    await Promise.all(
      all.map(async ([scope, b]) => {
        roll(b, now);
        b.spentUsd = Math.max(b.spentUsd, await source.spentSince(scope, b.periodStart));
      }),
    );
  }

  /** Keeps what was spent in budgets that are in both bundles (a reload does not reset anyone). */
  carryOver(previous: BudgetLedger): void {
    const carry = (mine: Budget[], theirs: Budget[]) => {
      for (const b of mine) {
        const before = theirs.find((t) => t.id === b.id && t.spec.period === b.spec.period);
        if (before) {
          b.periodStart = before.periodStart;
          b.spentUsd = before.spentUsd;
        }
      }
    };
    carry([...this.byKey.values(), ...this.byApp.values(), ...this.gateway], [...previous.byKey.values(), ...previous.byApp.values(), ...previous.gateway]);
    this.shared = previous.shared;
  }

  /** The refusal when any budget of this request is used up; else the least left, for `x-anyrouter-budget-remaining`. */
  check(key: string, app: string | undefined, now: number): BudgetRefusal | { remainingUsd: number } | undefined {
    let least: number | undefined;
    for (const b of this.applicable(key, app)) {
      roll(b, now);
      const left = b.spec.usd - b.spentUsd;
      if (left <= 0) {
        const end = periodEnd(b.spec.period, now);
        const resets = Number.isFinite(end) ? `; it resets at ${new Date(end).toISOString()}` : ' (a total budget: it does not reset)';
        return {
          status: 402,
          code: 'budget_exceeded',
          message: `the ${b.label} budget of $${b.spec.usd} per ${b.spec.period} is used up ($${round(b.spentUsd)} spent)${resets}`,
          headers: { 'x-anyrouter-budget-remaining': '0', ...(Number.isFinite(end) ? { 'retry-after': String(Math.max(1, Math.ceil((end - now) / 1000))) } : {}) },
        };
      }
      least = least === undefined ? left : Math.min(least, left);
    }
    return least === undefined ? undefined : { remainingUsd: least };
  }

  /** An answer's cost, added when it ended. */
  spend(key: string, app: string | undefined, usd: number, now: number): void {
    if (!(usd > 0)) return;
    for (const b of this.applicable(key, app)) {
      roll(b, now);
      b.spentUsd += usd;
      const start = b.periodStart;
      void this.shared?.(b.id, start, usd).then((total) => {
        // the shared total: what every instance spent in this period
        if (total !== undefined && b.periodStart === start) b.spentUsd = Math.max(b.spentUsd, total);
      });
    }
  }

  /**
   * Budget `id`'s total for the period starting at `start`, as the shared state counts it (another
   * instance's spend included): the view takes it when it is larger, or when it is of a newer period.
   */
  applySpendTotal(id: string, start: number, usd: number): void {
    const b = this.byId(id);
    if (b === undefined || !Number.isFinite(usd)) return;
    if (start > b.periodStart && start === periodStart(b.spec.period, start)) {
      b.periodStart = start;
      b.spentUsd = usd;
    } else if (start === b.periodStart) b.spentUsd = Math.max(b.spentUsd, usd);
  }

  private byId(id: string): Budget | undefined {
    const cut = id.indexOf(':');
    const scope = id.slice(0, cut);
    const name = id.slice(cut + 1);
    if (scope === 'key') return this.byKey.get(name);
    if (scope === 'app') return this.byApp.get(name);
    return scope === 'gateway' ? this.gateway.find((b) => b.id === id) : undefined;
  }

  private *applicable(key: string, app: string | undefined): Generator<Budget> {
    const k = this.byKey.get(key);
    if (k) yield k;
    if (app !== undefined) {
      const a = this.byApp.get(app);
      if (a) yield a;
    }
    yield* this.gateway;
  }
}

function nameOf(b: BundleGatewayBudget): string {
  return b.name ?? 'all';
}

function budget(label: string, id: string, spec: BundleBudget, now: number): Budget {
  return { label, id, spec, periodStart: periodStart(spec.period, now), spentUsd: 0 };
}

/** A new period starts at zero. */
function roll(b: Budget, now: number): void {
  const start = periodStart(b.spec.period, now);
  if (start !== b.periodStart) {
    b.periodStart = start;
    b.spentUsd = 0;
  }
}

function round(usd: number): string {
  return usd < 0.01 ? usd.toPrecision(2) : usd.toFixed(2);
}
