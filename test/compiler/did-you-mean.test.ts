import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { didYouMean, didYouMeanSuffix, editDistance } from '../../src/naming/did-you-mean.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('', '')).toBe(0);
    expect(editDistance('openai', 'openai')).toBe(0);
    expect(editDistance('opneai', 'openai')).toBe(1); // an adjacent swap is one edit
    expect(editDistance('gorq', 'groq')).toBe(1);
    expect(editDistance('opnai', 'openai')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('is symmetric, and the bounded form is exact within its bound and above it beyond', () => {
    const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', '-'), maxLength: 8 });
    fc.assert(
      fc.property(word, word, fc.nat(6), (a, b, max) => {
        const exact = editDistance(a, b);
        expect(editDistance(b, a)).toBe(exact);
        const bounded = editDistance(a, b, max);
        if (exact <= max) expect(bounded).toBe(exact);
        else expect(bounded).toBeGreaterThan(max);
      }),
    );
  });
});

describe('didYouMean', () => {
  const providers = ['anthropic', 'gemini', 'groq', 'openai', 'openrouter'];

  it('suggests the nearest name for a typo', () => {
    expect(didYouMean('opneai', providers)).toBe('openai');
    expect(didYouMean('antrhopic', providers)).toBe('anthropic');
    expect(didYouMean('grok', providers)).toBe('groq');
    expect(didYouMean('openrouer', providers)).toBe('openrouter');
  });

  it('matches case-insensitively and returns the candidate as declared', () => {
    expect(didYouMean('OpenAI', providers)).toBe('openai');
    expect(didYouMean('gpt-5.4-MINI', ['openai/gpt-5.4', 'gpt-5.4-mini'])).toBe('gpt-5.4-mini');
  });

  it('offers nothing when no name is close (at most a third of the length may differ)', () => {
    expect(didYouMean('mistral', providers)).toBeUndefined();
    expect(didYouMean('xai', providers)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });

  it('breaks ties by name, whatever the candidate order', () => {
    expect(didYouMean('5xx', ['5xy', '4xx'])).toBe('4xx');
    expect(didYouMean('5xx', ['4xx', '5xy'])).toBe('4xx');
  });

  it('finds a bare model name as the suffix of a canonical id', () => {
    expect(didYouMean('claude-sonnet-4.6', ['anthropic/claude-sonnet-4.6', 'openai/gpt-5.4'])).toBe('anthropic/claude-sonnet-4.6');
  });

  it('formats the suffix used in diagnostics', () => {
    expect(didYouMeanSuffix('opneai', providers)).toBe(" (did you mean 'openai'?)");
    expect(didYouMeanSuffix('mistral', providers)).toBe('');
  });
});
