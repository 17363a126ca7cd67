/**
 * `anyrouter logs`' attempt chain and trace: the chain keeps the first and the last attempt whatever its length
 * and never passes its width; the trace names every attempt with its key, status, timing and reason.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { AttemptTrace, RequestRecord } from '../../src/runtime/observability/request-record.js';
import { attemptChain, CHAIN_WIDTH, formatTrace } from '../../src/cli/request-trace-text.js';

const attempt = fc.record({
  provider: fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  status: fc.option(fc.constantFrom(200, 429, 500, 503), { nil: undefined }),
  errorClass: fc.option(fc.constantFrom('rate_limited', 'timeout', 'connect_error'), { nil: undefined }),
  outcome: fc.constantFrom('success', 'key-rate-limited', 'upstream-failed') as fc.Arbitrary<AttemptTrace['outcome']>,
});

describe('attemptChain', () => {
  it('shows every attempt in order when it fits: `primary 429 → secondary 200`', () => {
    expect(attemptChain([{ provider: 'sim-flaky', status: 429, outcome: 'key-rate-limited' }, { provider: 'sim-fast', status: 200, outcome: 'success' }])).toBe('sim-flaky 429 → sim-fast 200');
    expect(attemptChain([{ provider: 'slow', errorClass: 'timeout', outcome: 'upstream-failed' }])).toBe('slow timeout');
    expect(attemptChain([])).toBe('-');
  });

  it('never passes its width; a shortened chain of three or more keeps the first attempt and names how many it left out', () => {
    fc.assert(
      fc.property(fc.array(attempt, { minLength: 1, maxLength: 8 }), fc.integer({ min: 20, max: 80 }), (attempts, width) => {
        const chain = attemptChain(attempts, width);
        expect(chain.length).toBeLessThanOrEqual(width);
        const first = `${attempts[0]!.provider} ${attempts[0]!.status ?? attempts[0]!.errorClass ?? attempts[0]!.outcome}`;
        const whole = attempts.map((a) => `${a.provider} ${a.status ?? a.errorClass ?? a.outcome}`).join(' → ');
        if (whole.length <= width) expect(chain).toBe(whole);
        else if (attempts.length > 2 && first.length + 20 < width) expect(chain.startsWith(`${first} → … ${attempts.length - 2} more → `)).toBe(true);
      }),
    );
    expect(CHAIN_WIDTH).toBeGreaterThan(20);
  });
});

describe('formatTrace', () => {
  it('every attempt: upstream, key name and tier, status, start, duration, first byte, routing mark and why it moved on', () => {
    const record: RequestRecord = {
      id: 'req_1',
      time: Date.UTC(2026, 0, 2, 3, 4, 5),
      gatewayKey: 'ci',
      app: { title: 'Claude Code' },
      protocol: 'anthropic-messages',
      requestedModel: 'glm',
      servedModel: 'zai/glm-5.3',
      stream: true,
      status: 200,
      latencyMs: 812,
      ttfbMs: 300,
      attempts: [
        { upstream: 'zai/glm-5.3', provider: 'zai', upstreamModel: 'glm-5.3', keyName: 'main', keyTier: 'byok', outcome: 'key-rate-limited', status: 429, errorClass: 'rate_limited', startedAt: Date.UTC(2026, 0, 2, 3, 4, 5) + 2, latencyMs: 40, routing: 'ejected', nextBecause: '429: key rate-limited' },
        { upstream: 'openrouter/z-ai/glm-5.3', provider: 'openrouter', upstreamModel: 'z-ai/glm-5.3', keyName: 'spare', keyTier: 'shared', outcome: 'success', status: 200, startedAt: Date.UTC(2026, 0, 2, 3, 4, 5) + 45, latencyMs: 760, ttfbMs: 250 },
      ],
    };
    const text = formatTrace(record);
    expect(text).toContain('request   req_1');
    expect(text).toContain('time      2026-01-02 03:04:05.000 UTC');
    expect(text).toContain('model     glm -> zai/glm-5.3   anthropic-messages, streamed');
    expect(text).toMatch(/1 +zai\/glm-5\.3 +main \(byok\) +429 rate_limited +\+2 ms +40 +- +ejected +429: key rate-limited/);
    expect(text).toMatch(/2 +openrouter\/z-ai\/glm-5\.3 +spare \(shared\) +200 +\+45 ms +760 +250 ms +- +-$/m);
    expect(formatTrace({ ...record, status: 503, errorClass: 'no_upstream_available', attempts: [] })).toContain('status    503 no_upstream_available');
  });
});
