/**
 * Budget spend and tpm tokens shared between instances: however spends on N instances, the backend's
 * replies and the published totals interleave, once every reply and every published batch is delivered each
 * instance's view equals the total spent (never more at any time). The backend follows Redis: an add counts
 * when it is sent and its reply gives the total then; replies and batches arrive in any order.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RoutingBundle } from '../../src/bundle/format.js';
import { BudgetLedger } from '../../src/runtime/governance/budget-ledger.js';
import { GatewayAuth } from '../../src/runtime/http/gateway-auth.js';
import { SharedCounters } from '../../src/runtime/state/counter-sync.js';
import type { CounterBatch } from '../../src/runtime/state/shared-state.js';

const KEY = 'sk-ar-property-counters-0000000000000000';
const NOW = 1_700_000_040_000;
const BUDGET = 1_000_000;

/** Redis in memory: counts at once, answers when the test says; batches go to every instance's inbox. */
function memoryBackend(instances: number) {
  const counts = new Map<string, number>();
  const replies: Array<() => void> = [];
  const inboxes: CounterBatch[][] = Array.from({ length: instances }, () => []);
  const add = (key: string, amount: number) =>
    new Promise<number>((resolve) => {
      const total = (counts.get(key) ?? 0) + amount;
      counts.set(key, total);
      replies.push(() => resolve(total));
    });
  const handlers: Array<(batch: CounterBatch) => void> = [];
  const connection = (i: number) => ({
    addSpend: (id: string, start: number, usd: number) => add(`spend:${id}:${start}`, usd),
    addTokens: (key: string, tokens: number, now: number) => add(`tpm:${key}:${Math.floor(now / 60_000)}`, tokens),
    publishTotals: (batch: CounterBatch) => inboxes.forEach((inbox) => inbox.push(batch)),
    onTotals: (handler: (batch: CounterBatch) => void) => void (handlers[i] = handler),
  });
  return { replies, inboxes, handlers, connection };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

type Step = { t: 'spend'; at: number; amount: number } | { t: 'reply'; pick: number } | { t: 'flush'; at: number } | { t: 'deliver'; at: number; pick: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ t: fc.constant('spend' as const), at: fc.nat(), amount: fc.integer({ min: 1, max: 50 }) }),
  fc.record({ t: fc.constant('reply' as const), pick: fc.nat() }),
  fc.record({ t: fc.constant('flush' as const), at: fc.nat() }),
  fc.record({ t: fc.constant('deliver' as const), at: fc.nat(), pick: fc.nat() }),
);

describe('shared counters (properties)', () => {
  it('after any interleaving of spends and deliveries, every instance sees the total spend and tokens', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 120 }), async (n, steps) => {
        const total = steps.reduce((sum, s) => sum + (s.t === 'spend' ? s.amount : 0), 0);
        const keys = [{ name: 'team', sha256: createHash('sha256').update(KEY).digest('hex'), models: ['*'], tpm: Math.max(1, total), budget: { usd: BUDGET, period: 'day' as const } }];
        const bundle = { auth: { gatewayKeys: keys }, budgets: [{ name: 'all', usd: BUDGET, period: 'month' as const }] } as unknown as RoutingBundle;
        const backend = memoryBackend(n);
        const instances = Array.from({ length: n }, (_, i) => {
          const ledger = new BudgetLedger(bundle, NOW);
          const auth = new GatewayAuth(bundle.auth.gatewayKeys);
          const counters = new SharedCounters(backend.connection(i), () => ({
            applySpendTotal: (id, start, usd) => ledger.applySpendTotal(id, start, usd),
            applyTokenTotal: (key, window, tokens) => auth.applyTokenTotal(key, window, tokens),
          }));
          ledger.shared = counters.addSpend;
          auth.sharedTokens = counters.addTokens;
          return { ledger, auth, counters };
        });
        const spent = (i: number) => BUDGET - (instances[i]!.ledger.check('team', undefined, NOW) as { remainingUsd: number }).remainingUsd;
        const deliver = (i: number, pick: number) => {
          const inbox = backend.inboxes[i]!;
          if (inbox.length > 0) backend.handlers[i]?.(inbox.splice(pick % inbox.length, 1)[0]!);
        };
        for (const s of steps) {
          if (s.t === 'spend') {
            const at = s.at % n;
            instances[at]!.ledger.spend('team', undefined, s.amount, NOW);
            instances[at]!.auth.addTokens('team', s.amount, NOW);
          } else if (s.t === 'reply' && backend.replies.length > 0) backend.replies.splice(s.pick % backend.replies.length, 1)[0]!();
          else if (s.t === 'flush') instances[s.at % n]!.counters.flush();
          else if (s.t === 'deliver') deliver(s.at % n, s.pick);
          await settle();
          for (let i = 0; i < n; i++) expect(spent(i)).toBeLessThanOrEqual(total);
        }
        // everything in flight arrives
        while (backend.replies.length > 0) backend.replies.shift()!();
        await settle();
        for (const { counters } of instances) counters.flush();
        for (let i = 0; i < n; i++) while (backend.inboxes[i]!.length > 0) deliver(i, 0);
        for (let i = 0; i < n; i++) {
          expect(spent(i)).toBe(total);
          // the tpm view is the total exactly: at tpm = total the key is refused, and it never saw more
          if (total > 0) expect(instances[i]!.auth.authenticate(KEY, NOW)).toMatchObject({ status: 429 });
        }
      }),
      { numRuns: 200 },
    );
  });
});
