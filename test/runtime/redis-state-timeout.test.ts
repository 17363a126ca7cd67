/**
 * RedisState against a Redis that is connected but never answers (test/support/stalling-redis.ts): every
 * command a request awaits (a cache lookup, an rpm lease, a tpm count) gives up after `commandTimeoutMs` as
 * "no answer" (undefined), and the log says once that Redis is slow, not that it is down.
 */
import { describe, expect, it } from 'vitest';
import { RedisState } from '../../src/runtime/state/redis-state.js';
import { StallingRedis } from '../support/stalling-redis.js';

describe('RedisState with a stalled Redis', () => {
  it('answers "no answer" after commandTimeoutMs for what requests await, and logs the stall once', async () => {
    const redis = await StallingRedis.start();
    const lines: string[] = [];
    const state = new RedisState({ url: redis.url, prefix: 'stalled:', commandTimeoutMs: 50, log: (line) => lines.push(line) });
    try {
      await state.start();
      expect(state.up).toBe(true);
      const now = Date.now();
      expect(await Promise.all([state.readAnswer('k'), state.takeTokens('ci', 6, 600, now), state.addTokens('ci', 10, now), state.storeAnswer('k', Buffer.from('x'), 1_000)])).toEqual([undefined, undefined, undefined, false]);
      expect(redis.sent('GET')).toEqual([['GET', 'stalled:cache:k']]);
      expect(lines.filter((l) => l.includes('did not answer within 50 ms'))).toHaveLength(1);
      expect(lines.some((l) => l.includes('unreachable'))).toBe(false);
    } finally {
      await state.close();
      await redis.close();
    }
  });
});
