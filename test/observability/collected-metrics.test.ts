import fc from 'fast-check';
import { Counter, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { CollectedCounter, CollectedHistogram } from '../../src/runtime/observability/collected-metrics.js';

const BUCKETS = [0.001, 0.01, 0.1, 1, 10];

describe('collected metrics', () => {
  it('print exactly what prom-client’s own Counter and Histogram print for the same observations (property)', async () => {
    const observation = fc.record({
      model: fc.constantFrom('a/x', 'b/y', 'we"ird\\name'),
      status: fc.constantFrom(200, 429, 502),
      value: fc.oneof(fc.constantFrom(...BUCKETS), fc.double({ min: 0, max: 20, noNaN: true })),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(observation, { maxLength: 40 }), async (observations) => {
        const theirs = new Registry();
        const ours = new Registry();
        const counter = new Counter({ name: 'requests_total', help: 'Requests.', labelNames: ['model', 'status'], registers: [theirs] });
        const histogram = new Histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['model'], buckets: BUCKETS, registers: [theirs] });
        const plain = new Histogram({ name: 'overhead_seconds', help: 'Overhead.', buckets: BUCKETS, registers: [theirs] });
        const myCounter = new CollectedCounter({ name: 'requests_total', help: 'Requests.', labelNames: ['model', 'status'], registers: [ours] });
        const myHistogram = new CollectedHistogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['model'], buckets: BUCKETS, registers: [ours] });
        const myPlain = new CollectedHistogram({ name: 'overhead_seconds', help: 'Overhead.', buckets: BUCKETS, registers: [ours] });
        for (const o of observations) {
          counter.inc({ model: o.model, status: String(o.status) });
          histogram.observe({ model: o.model }, o.value);
          plain.observe(o.value);
          myCounter.inc(o.model, o.status);
          myHistogram.observe(o.value, o.model);
          myPlain.observe(o.value);
        }
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 100 },
    );
  });

  it('adds amounts to the same series, label values of any type meeting as their string', async () => {
    const registry = new Registry();
    const tokens = new CollectedCounter({ name: 'tokens_total', help: 'Tokens.', labelNames: ['model', 'kind'], registers: [registry] });
    tokens.inc('m', 'prompt', undefined, 10);
    tokens.inc('m', 'prompt', undefined, 5);
    tokens.inc('m', 'completion', undefined, 2);
    expect((await registry.metrics()).split('\n').filter((l) => l.startsWith('tokens_total{'))).toEqual([
      'tokens_total{model="m",kind="prompt"} 15',
      'tokens_total{model="m",kind="completion"} 2',
    ]);
  });
});
