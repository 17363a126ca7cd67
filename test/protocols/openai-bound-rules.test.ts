/**
 * Two rules for what a Claude Code (Messages) request becomes on its way to an OpenAI upstream: the reasoning
 * effort is one OpenAI names (Anthropic's `max` is clamped, property-tested), and `metadata.user_id` goes on
 * as `user` only when it is a short plain id, never Claude Code's opaque blob.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ReasoningEffort } from '../../src/protocols/canonical.js';
import { isPortableUserId } from '../../src/protocols/end-user-id.js';
import { translateRequest } from '../../src/protocols/index.js';
import { OPENAI_EFFORTS, clampEffort } from '../../src/protocols/reasoning-effort.js';

const ALL: ReasoningEffort[] = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'];
const rank = (e: ReasoningEffort) => ALL.indexOf(e);

/** A Claude Code request for an OpenAI upstream (translated to Chat Completions). */
function toOpenAI(extra: Record<string, unknown>) {
  const request = { model: 'm', max_tokens: 64_000, messages: [{ role: 'user', content: 'hi' }], ...extra };
  return { chat: translateRequest('anthropic-messages', 'openai-chat', request).upstream, responses: translateRequest('anthropic-messages', 'openai-responses', request).upstream };
}

describe('clampEffort', () => {
  const accepted = fc.subarray(ALL, { minLength: 1 });
  const effort = fc.constantFrom(...ALL);

  it('answers a level the target accepts, the asked one when it does, else the nearest (the weaker of two as near)', () => {
    fc.assert(
      fc.property(effort, accepted, (asked, levels) => {
        const got = clampEffort(asked, levels);
        expect(levels).toContain(got);
        if (levels.includes(asked)) expect(got).toBe(asked);
        const distance = Math.abs(rank(got) - rank(asked));
        for (const level of levels) expect(Math.abs(rank(level) - rank(asked))).toBeGreaterThanOrEqual(distance);
      }),
    );
  });

  it('keeps the order of strength: a stronger ask never gets a weaker level', () => {
    fc.assert(
      fc.property(effort, effort, accepted, (a, b, levels) => {
        const [weak, strong] = rank(a) <= rank(b) ? [a, b] : [b, a];
        expect(rank(clampEffort(weak, levels))).toBeLessThanOrEqual(rank(clampEffort(strong, levels)));
      }),
    );
  });

  it("turns Anthropic's max into OpenAI's xhigh and leaves OpenAI's own levels alone", () => {
    expect(clampEffort('max', OPENAI_EFFORTS)).toBe('xhigh');
    for (const level of OPENAI_EFFORTS) expect(clampEffort(level, OPENAI_EFFORTS)).toBe(level);
  });

  it('output_config.effort "max" reaches OpenAI as xhigh, in Chat Completions and in Responses', () => {
    const { chat, responses } = toOpenAI({ thinking: { type: 'adaptive' }, output_config: { effort: 'max' } });
    expect(chat.body.reasoning_effort).toBe('xhigh');
    expect(responses.body.reasoning).toEqual({ effort: 'xhigh' });
    // a budget alone maps to a level OpenAI names
    expect(toOpenAI({ thinking: { type: 'enabled', budget_tokens: 60_000 } }).chat.body.reasoning_effort).toBe('high');
  });
});

describe("metadata.user_id on its way to OpenAI's user", () => {
  const claudeCodeBlob = `user_${'a1'.repeat(32)}_account_0d2b3c4e-1111-4222-8333-944445555666_session_5f6e7d8c-aaaa-4bbb-8ccc-dddd0000eeee`;

  it("a short plain id goes on as user; Claude Code's blob is dropped and listed", () => {
    const plain = toOpenAI({ metadata: { user_id: 'alice-42' } }).chat;
    expect(plain.body.user).toBe('alice-42');
    expect(plain.dropped).not.toContain('metadata.user_id');

    const blob = translateRequest('anthropic-messages', 'openai-chat', { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }], metadata: { user_id: claudeCodeBlob } }).upstream;
    expect(blob.body.user).toBeUndefined();
    expect(JSON.stringify(blob.body)).not.toContain('account_');
    expect(blob.dropped).toContain('metadata.user_id');
  });

  it('is portable only at 1 to 64 plain characters', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom(...'abcXYZ019._:@-'.split('')), minLength: 1, maxLength: 64 }), (id) => isPortableUserId(id)),
    );
    fc.assert(fc.property(fc.string({ minLength: 65, maxLength: 300 }), (id) => !isPortableUserId(id)));
    for (const id of ['', 'has space', '{"device_id":"x"}', 'a/b', 'x'.repeat(65), 'é']) expect(isPortableUserId(id)).toBe(false);
  });
});
