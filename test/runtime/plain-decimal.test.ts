/** Catalog prices are plain decimals: the same number, never in exponent form. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { plainDecimal } from '../../src/runtime/model-catalog.js';

describe('plainDecimal', () => {
  it('writes small prices without an exponent', () => {
    expect(plainDecimal(1e-7)).toBe('0.0000001');
    expect(plainDecimal(7.5e-8)).toBe('0.000000075');
    expect(plainDecimal(3.75e-8)).toBe('0.0000000375');
    expect(plainDecimal(0.000015)).toBe('0.000015');
    expect(plainDecimal(0)).toBe('0');
  });

  it('is the same number, without an exponent, for any price per token', () => {
    fc.assert(
      fc.property(fc.double({ min: 1e-15, max: 1, noNaN: true }), (raw) => {
        const value = +raw.toPrecision(12);
        const text = plainDecimal(value);
        expect(text).not.toMatch(/e/i);
        expect(Number(text)).toBe(value);
      }),
    );
  });
});
