import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseResetDuration, parseRetryAfter } from '../../src/runtime/engine/durations.js';
import { formatResetDuration } from './arbitraries.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

describe('parseRetryAfter', () => {
  it('reads delta seconds as milliseconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('1', NOW)).toBe(1_000);
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 7 ', NOW)).toBe(7_000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1_500);
  });

  it('reads an HTTP date as the time left from now, never negative', () => {
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Jun 2025 12:01:00 GMT', NOW)).toBe(60_000);
    expect(parseRetryAfter(new Date(NOW - 30_000).toUTCString(), NOW)).toBe(0);
  });

  it('is undefined when absent, empty or unparseable', () => {
    expect(parseRetryAfter(undefined, NOW)).toBeUndefined();
    expect(parseRetryAfter('', NOW)).toBeUndefined();
    expect(parseRetryAfter('soon', NOW)).toBeUndefined();
  });

  it('any whole number of seconds round-trips', () => {
    fc.assert(fc.property(fc.nat({ max: 1_000_000 }), (s) => {
      expect(parseRetryAfter(String(s), NOW)).toBe(s * 1000);
    }), { numRuns: 200 });
  });

  it('any future HTTP date (second precision) gives the seconds left', () => {
    fc.assert(
      fc.property(fc.nat({ max: 86_400 }), (s) => {
        expect(parseRetryAfter(new Date(NOW + s * 1000).toUTCString(), NOW)).toBe(s * 1000);
      }),
      { numRuns: 200 },
    );
  });
});

describe('parseResetDuration', () => {
  it('reads OpenAI-style durations', () => {
    expect(parseResetDuration('1s')).toBe(1_000);
    expect(parseResetDuration('6m0s')).toBe(360_000);
    expect(parseResetDuration('20ms')).toBe(20);
    expect(parseResetDuration('1h2m3.5s')).toBe(3_723_500);
    expect(parseResetDuration('0.5')).toBe(500);
    expect(parseResetDuration('17')).toBe(17_000);
    expect(parseResetDuration('1m30s')).toBe(90_000);
    expect(parseResetDuration('2h')).toBe(7_200_000);
  });

  it('is undefined when absent, empty or not wholly a duration', () => {
    expect(parseResetDuration(undefined)).toBeUndefined();
    expect(parseResetDuration('')).toBeUndefined();
    expect(parseResetDuration('soon')).toBeUndefined();
    expect(parseResetDuration('5x')).toBeUndefined();
    expect(parseResetDuration('1s2')).toBeUndefined();
    expect(parseResetDuration('1s and 2s')).toBeUndefined();
  });

  it('h/m/s/ms components add up', () => {
    fc.assert(
      fc.property(fc.nat({ max: 48 }), fc.nat({ max: 59 }), fc.nat({ max: 59 }), fc.nat({ max: 999 }), (h, m, s, ms) => {
        expect(parseResetDuration(`${h}h${m}m${s}s${ms}ms`)).toBe(((h * 60 + m) * 60 + s) * 1000 + ms);
      }),
      { numRuns: 200 },
    );
  });

  it('reads back the durations the tests send in x-ratelimit-reset-requests', () => {
    fc.assert(fc.property(fc.nat({ max: 10_000_000 }), (ms) => {
      expect(parseResetDuration(formatResetDuration(ms))).toBe(ms);
    }), { numRuns: 200 });
  });
});
