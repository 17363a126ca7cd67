import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { capUtf8, prepareBody, redactSensitive, SecretScrubber } from '../../src/runtime/observability/redaction.js';

/** Fake keys, assembled at run time so the repository holds nothing that scans as a real one. */
const fake = (prefix: string, rest: string) => prefix + rest;

describe('redactSensitive', () => {
  it.each([
    ['sk-proj-AbCdEfGhIjKlMnOpQrStUvWx'],
    [fake('sk-ant-', 'api03-AbCdEfGhIjKlMnOpQrStUvWx-yz')],
    ['sk-or-v1-0123456789abcdef0123456789abcdef'],
    ['AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUv'],
    ['gsk_0123456789abcdefghijABCDEFGHIJ'],
    ['xai-0123456789abcdefghijABCDEFGHIJ'],
    ['nvapi-0123456789abcdefghijABCDEFGHIJ'],
    ['hf_0123456789abcdefghijABCDEFGHIJ'],
    ['AKIAIOSFODNN7EXAMPLE'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'],
  ])('removes a key that looks like %s', (key) => {
    const out = redactSensitive(`my key is ${key}, please keep it`);
    expect(out).not.toContain(key);
    expect(out).toBe('my key is [REDACTED:key], please keep it');
  });

  it('removes Bearer tokens and key-valued fields but keeps their names', () => {
    expect(redactSensitive('Authorization: Bearer abc.def-ghi_123456')).toBe('Authorization: [REDACTED:key]');
    expect(redactSensitive('curl -H "Bearer tok_1234567890"')).toBe('curl -H "Bearer [REDACTED:key]"');
    expect(redactSensitive('{"api_key": "hunter2-not-a-prefix", "model": "x"}')).toBe('{"api_key": "[REDACTED:key]", "model": "x"}');
    expect(redactSensitive('password=correcthorse')).toBe('password=[REDACTED:key]');
    expect(redactSensitive('X-API-KEY: abcd1234efgh')).toBe('X-API-KEY: [REDACTED:key]');
    expect(redactSensitive('see https://x.example/?api_key=abcd1234&q=1')).toBe('see https://x.example/?api_key=[REDACTED:key]&q=1');
  });

  it('removes emails and phone numbers', () => {
    expect(redactSensitive('write to jane.doe+ai@mail.example.co.uk today')).toBe('write to [REDACTED:email] today');
    for (const phone of ['+44 20 7946 0958', '+14155550100', '(415) 555-0100', '415-555-0100', '+33 1 23 45 67 89']) {
      expect(redactSensitive(`call ${phone} now`)).toBe('call [REDACTED:phone] now');
    }
  });

  it('leaves ordinary text, ids, timestamps and token counts alone', () => {
    expect(redactSensitive('version +1 2 3')).toBe('version +1 2 3');
    const text = '{"model":"gpt-5.4-mini","created":1712345678901,"usage":{"prompt_tokens":1234},"id":"chatcmpl-123","task-name":"risk-assessment","ask":"sk-short"}';
    expect(redactSensitive(text)).toBe(text);
  });
});

describe('SecretScrubber', () => {
  it('removes every occurrence of each known value, longest first', () => {
    const s = new SecretScrubber(['secretvalue123', 'secretvalue123-and-more']);
    expect(s.scrub('a secretvalue123-and-more b secretvalue123secretvalue123')).toBe('a [REDACTED:key] b [REDACTED:key][REDACTED:key]');
  });

  it('ignores values too short to be keys', () => {
    expect(new SecretScrubber(['abc']).scrub('abcabc')).toBe('abcabc');
  });

  it('never leaves a known value behind (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 8, maxLength: 40 }), fc.array(fc.string({ maxLength: 20 }), { maxLength: 6 }), (secret, parts) => {
        const text = parts.join(secret);
        expect(new SecretScrubber([secret]).scrub(text).includes(secret)).toBe(false);
      }),
    );
  });
});

describe('prepareBody', () => {
  const secret = 'sk-live-0123456789abcdefghijklmnopqrstuvwxyz';

  it('redacts before capping, so a cut never keeps part of a key', () => {
    const body = `${'x'.repeat(90)}${secret}${'y'.repeat(1000)}`;
    const out = prepareBody(body, { redact: false, maxBytes: 100 }, new SecretScrubber([secret]));
    expect(out.startsWith(`${'x'.repeat(90)}[REDACTED`)).toBe(true);
    expect(out).not.toContain('0123456789');
    expect(out).toContain(`[truncated, ${body.length} bytes]`);
  });

  it('does not let redaction pull a key cut by the read window under the cap', () => {
    // many long keys shrink when replaced; the window's cut tail must not surface
    const keys = Array.from({ length: 40 }, (_, i) => `sk-${String(i).padStart(2, '0')}${'k'.repeat(200)}`);
    const body = keys.join(' ') + ' ' + 'z'.repeat(20_000);
    const scrubber = new SecretScrubber(keys);
    for (const maxBytes of [100, 1000, 5000, 8000]) {
      const out = prepareBody(body, { redact: false, maxBytes }, scrubber);
      expect(out).not.toMatch(/k{20}/);
    }
  });

  it('keeps small bodies whole and applies optional redaction', () => {
    expect(prepareBody('mail me at a@b.io', { redact: true, maxBytes: 1000 })).toBe('mail me at [REDACTED:email]');
    expect(prepareBody('mail me at a@b.io', { redact: false, maxBytes: 1000 })).toBe('mail me at a@b.io');
  });
});

describe('capUtf8', () => {
  it('cuts on a character boundary', () => {
    const out = capUtf8('ééééé', 5); // 10 bytes
    expect(out).toBe('éé…[truncated, 10 bytes]');
    expect(capUtf8('😀😀', 6)).toBe('😀…[truncated, 8 bytes]');
    expect(capUtf8('short', 10)).toBe('short');
  });
});
