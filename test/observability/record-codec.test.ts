import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeRecords, RecordEncoder } from '../../src/runtime/observability/record-codec.js';
import type { AttemptTrace, RequestRecord } from '../../src/runtime/observability/request-record.js';
import { attempt, record } from './fixtures.js';

/** Drops members whose value is undefined: the encoder writes what is present (numbers exactly, -0 too). */
function present<T>(value: T): T {
  if (Array.isArray(value)) return value.map(present) as T;
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).flatMap(([k, v]) => (v === undefined ? [] : [[k, present(v)]]))) as T;
}

const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 300 }));
const num = fc.oneof(fc.integer({ min: 0, max: 1e9 }), fc.double({ noNaN: true, noDefaultInfinity: true }));
const opt = <T,>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const attemptArb: fc.Arbitrary<AttemptTrace> = fc.record({
  upstream: text,
  provider: text,
  upstreamModel: text,
  keyName: text,
  keyTier: fc.constantFrom('byok', 'shared', 'free'),
  outcome: fc.constantFrom('success', 'key-rate-limited', 'server-error', 'network'),
  status: opt(fc.integer({ min: 100, max: 599 })),
  errorClass: opt(text),
  startedAt: num,
  latencyMs: num,
  ttfbMs: opt(num),
  nextBecause: opt(text),
}) as fc.Arbitrary<AttemptTrace>;

const recordArb: fc.Arbitrary<RequestRecord> = fc.record({
  id: text,
  time: num,
  gatewayKey: opt(text),
  app: fc.record({ title: opt(text), source: opt(text), version: opt(text), referer: opt(text) }),
  user: opt(text),
  protocol: fc.constantFrom('openai-chat', 'anthropic-messages', 'openai-responses'),
  requestedModel: text,
  preset: opt(text),
  servedModel: opt(text),
  stream: fc.boolean(),
  status: fc.integer({ min: 100, max: 599 }),
  errorClass: opt(text),
  latencyMs: num,
  ttfbMs: opt(num),
  tokens: opt(fc.record({ prompt: fc.nat(), completion: fc.nat(), cached: fc.nat(), reasoning: fc.nat() })),
  costUsd: opt(num),
  attempts: fc.array(attemptArb, { maxLength: 5 }),
  bodies: opt(fc.record({ request: opt(fc.string({ unit: 'binary', maxLength: 2_000 })), response: opt(text) })),
}) as fc.Arbitrary<RequestRecord>;

describe('record codec', () => {
  it('gives back every record it wrote, member for member, whatever the strings hold (property)', () => {
    fc.assert(
      fc.property(fc.array(recordArb, { maxLength: 20 }), fc.integer({ min: 1, max: 4096 }), (records, initialBytes) => {
        const encoder = new RecordEncoder(initialBytes); // small starts make it grow mid-record
        for (const r of records) encoder.add(r);
        const batch = encoder.finish();
        expect(batch.count).toBe(records.length);
        expect(decodeRecords(batch.bytes)).toEqual(records.map(present));
      }),
      { numRuns: 200 },
    );
  });

  it('leaves the bodies out when asked (past the queue’s body budget)', () => {
    const encoder = new RecordEncoder();
    encoder.add(record({ id: 'kept', bodies: { request: 'prompt' } }));
    encoder.add(record({ id: 'dropped', bodies: { request: 'prompt' } }), false);
    const [kept, dropped] = decodeRecords(encoder.finish().bytes);
    expect(kept!.bodies).toEqual({ request: 'prompt' });
    expect(dropped!.id).toBe('dropped');
    expect(dropped).not.toHaveProperty('bodies');
  });

  it('refuses a malformed record and leaves the records before it intact', () => {
    const encoder = new RecordEncoder(64);
    const before = record({ id: 'before', attempts: [attempt()] });
    encoder.add(before);
    expect(() => encoder.add({ ...record(), attempts: [attempt(), { ...attempt(), keyName: 7 as unknown as string }] })).toThrow(TypeError);
    expect(() => encoder.add({ ...record(), status: '200' as unknown as number })).toThrow(TypeError);
    const after = record({ id: 'after' });
    encoder.add(after);
    expect(decodeRecords(encoder.finish().bytes)).toEqual([before, after].map(present));
  });
});
