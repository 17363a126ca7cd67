import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeCost, nanoToUsd, usdToNano } from '../../src/runtime/observability/cost.js';

describe('computeCost', () => {
  it('prices prompt and completion tokens per million', () => {
    expect(computeCost({ prompt: 0.25, completion: 2 }, { prompt: 1_000_000, completion: 0 })).toEqual({ nanoUsd: 250_000_000, usd: 0.25 });
    // 1234 x 0.25 + 567 x 2 = 1442.5 micro-dollars
    expect(computeCost({ prompt: 0.25, completion: 2 }, { prompt: 1234, completion: 567 })).toEqual({ nanoUsd: 1_442_500, usd: 0.0014425 });
  });

  it('has no floating-point drift', () => {
    // 3 x 0.1 is 0.30000000000000004 in doubles; here it is 0.3 micro-dollars exactly
    expect(computeCost({ prompt: 0.1, completion: 0.2 }, { prompt: 3, completion: 3 })).toEqual({ nanoUsd: 900, usd: 9e-7 });
    expect(computeCost({ prompt: 0.075, completion: 0.3 }, { prompt: 7, completion: 13 })).toEqual({ nanoUsd: 4425, usd: 0.000004425 });
  });

  it('charges cached prompt tokens at the cache-read price, the rest at the prompt price', () => {
    // 200 x 3 + 800 x 0.3 + 10 x 15 = 990 micro-dollars
    expect(computeCost({ prompt: 3, completion: 15, cacheRead: 0.3 }, { prompt: 1000, cached: 800, completion: 10 }).usd).toBe(0.00099);
  });

  it('charges cached tokens at the prompt price when the model has no cache-read price', () => {
    expect(computeCost({ prompt: 3, completion: 15 }, { prompt: 1000, cached: 800, completion: 10 }).usd).toBe(0.00315);
  });

  it('charges cache writes at the cache-write price', () => {
    // 100 x 3 + 300 x 0.3 + 600 x 3.75 = 2640 micro-dollars
    expect(computeCost({ prompt: 3, completion: 15, cacheRead: 0.3, cacheWrite: 3.75 }, { prompt: 1000, cached: 300, cacheWrite: 600, completion: 0 }).nanoUsd).toBe(2_640_000);
  });

  it('adds the per-request price', () => {
    expect(computeCost({ prompt: 1, completion: 1, request: 0.005 }, { prompt: 1000, completion: 0 }).usd).toBe(0.006);
    expect(computeCost({ prompt: 1, completion: 1, request: 0.005 }, { prompt: 0, completion: 0 }).usd).toBe(0.005);
  });

  it('clamps nonsense usage instead of producing negative or NaN costs', () => {
    expect(computeCost({ prompt: 1, completion: 1, cacheRead: 0.1 }, { prompt: 10, cached: 50, completion: -5 }).nanoUsd).toBe(1000); // 10 cached x 0.1 $/M = 1 micro-dollar
    expect(computeCost({ prompt: 1, completion: 1 }, { prompt: Number.NaN, completion: Number.POSITIVE_INFINITY }).nanoUsd).toBe(0);
  });

  it('rounds half up to the nano-dollar, once, on the exact total', () => {
    // 1 token at 0.0005 $/M = 0.5 nano-dollars -> 1; two such tokens are exactly 1
    expect(computeCost({ prompt: 0.0005, completion: 0 }, { prompt: 1, completion: 0 }).nanoUsd).toBe(1);
    expect(computeCost({ prompt: 0.0005, completion: 0.0005 }, { prompt: 1, completion: 1 }).nanoUsd).toBe(1);
  });

  it('equals the exact decimal product for any usage and micro-dollar prices (property)', () => {
    const price = fc.integer({ min: 0, max: 200_000_000 }); // micro-USD per 1M tokens (up to $200/M)
    const tokens = fc.integer({ min: 0, max: 50_000_000 });
    fc.assert(
      fc.property(price, price, fc.option(price, { nil: undefined }), tokens, tokens, tokens, (p, c, r, prompt, completion, cachedRaw) => {
        const cached = Math.min(cachedRaw, prompt);
        const pricing = { prompt: p / 1e6, completion: c / 1e6, ...(r === undefined ? {} : { cacheRead: r / 1e6 }) };
        // femto-dollars: tokens x micro-USD per 1M tokens x 1e3
        const femtoPerNano = 1_000_000n;
        const femto = (BigInt(prompt - cached) * BigInt(p) + BigInt(cached) * BigInt(r ?? p) + BigInt(completion) * BigInt(c)) * 1000n;
        const expected = Number((femto + femtoPerNano / 2n) / femtoPerNano);
        const cost = computeCost(pricing, { prompt, completion, cached });
        expect(cost.nanoUsd).toBe(expected);
        expect(usdToNano(cost.usd)).toBe(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('converts between USD and nano-dollars', () => {
    expect(nanoToUsd(1_442_500)).toBe(0.0014425);
    expect(usdToNano(0.0014425)).toBe(1_442_500);
    expect(usdToNano(-1)).toBe(0);
  });
});
