import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordJson } from '../../src/runtime/observability/record-json.js';
import type { AttemptTrace, RequestRecord } from '../../src/runtime/observability/request-record.js';
import { attempt, record } from './fixtures.js';

/** What JSON.stringify makes of the record without its bodies, parsed: the reference recordJson must match. */
const reference = (r: RequestRecord): unknown => JSON.parse(JSON.stringify({ ...r, bodies: undefined }));

// every kind of string JSON escapes: quotes, backslashes, control characters, non-ASCII, lone surrogates
const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom('', '"', '\\', '\n', '\u2028', '\ud800', 'é', 'a"b\\c'));
const num = fc.oneof(fc.double(), fc.integer(), fc.constantFrom(0, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e21, 5e-7));
const optional = <T,>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const attemptArb: fc.Arbitrary<AttemptTrace> = fc.record({
  upstream: text,
  provider: text,
  upstreamModel: text,
  keyName: text,
  keyTier: fc.constantFrom('byok', 'shared', 'free'),
  outcome: fc.constantFrom('success', 'rate_limited', 'server_error', 'timeout'),
  status: optional(fc.integer({ min: 100, max: 599 })),
  errorClass: optional(text),
  startedAt: num,
  latencyMs: num,
  ttfbMs: optional(num),
  nextBecause: optional(text),
}) as fc.Arbitrary<AttemptTrace>;

const recordArb: fc.Arbitrary<RequestRecord> = fc.record({
  id: text,
  time: num,
  gatewayKey: optional(text),
  app: fc.record({ title: optional(text), source: optional(text), version: optional(text), referer: optional(text) }),
  protocol: fc.constantFrom('openai-chat', 'openai-responses', 'anthropic-messages'),
  requestedModel: text,
  preset: optional(text),
  servedModel: optional(text),
  stream: fc.boolean(),
  status: fc.integer({ min: 100, max: 599 }),
  errorClass: optional(text),
  latencyMs: num,
  ttfbMs: optional(num),
  tokens: optional(fc.record({ prompt: fc.nat(), completion: fc.nat(), cached: fc.nat(), reasoning: fc.nat() })),
  costUsd: optional(num),
  attempts: fc.array(attemptArb, { maxLength: 4 }),
  bodies: optional(fc.record({ request: optional(text), response: optional(text) })),
}) as fc.Arbitrary<RequestRecord>;

describe('recordJson', () => {
  it('writes the same text as JSON.stringify for a record built in its declared order', () => {
    const r = record({ attempts: [attempt({ status: 429 }), attempt()] });
    expect(recordJson(r)).toBe(JSON.stringify(r));
  });

  it('leaves the bodies out', () => {
    const json = recordJson(record({ bodies: { request: '{"note":"hush-hush"}', response: 'the-answer' } }));
    expect(json).not.toContain('bodies');
    expect(json).not.toContain('hush-hush');
    expect(json).not.toContain('the-answer');
  });

  it('parses to what JSON.stringify parses to, for any record of the declared shape (property)', () => {
    fc.assert(
      fc.property(recordArb, (r) => {
        expect(JSON.parse(recordJson(r))).toEqual(reference(r));
      }),
      { numRuns: 500 },
    );
  });

  it('is valid JSON whatever the members hold (property)', () => {
    const members = ['id', 'time', 'gatewayKey', 'app', 'protocol', 'status', 'stream', 'latencyMs', 'tokens', 'costUsd', 'attempts'] as const;
    fc.assert(
      fc.property(recordArb, fc.constantFrom(...members), fc.anything(), (r, name, junk) => {
        const bad = { ...r, [name]: junk } as RequestRecord;
        expect(() => JSON.parse(recordJson(bad))).not.toThrow();
      }),
      { numRuns: 300 },
    );
  });

  it('writes a malformed attempt as JSON too, for the store to refuse', () => {
    const r = record({ attempts: [null, 7, 'x', { ...attempt(), latencyMs: Number.NaN }] as unknown as AttemptTrace[] });
    expect(JSON.parse(recordJson(r)).attempts).toEqual([null, 7, 'x', { ...attempt(), latencyMs: null }]);
  });
});
