/** middle-out over generated conversations: what is kept fits, keeps its ends, and never opens its tail with an orphaned tool result. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { middleOut } from '../../src/runtime/policy/middle-out.js';
import { textLength } from '../../src/runtime/policy/request-features.js';

type Message = { role: string; content: string; tool_call_id?: string };

const messageArb: fc.Arbitrary<Message> = fc.record({
  role: fc.constantFrom('user', 'assistant', 'tool'),
  content: fc.nat({ max: 4_000 }).map((n) => 'x'.repeat(n)),
});
const conversationArb = fc.record({
  system: fc.boolean(),
  messages: fc.array(messageArb, { minLength: 1, maxLength: 40 }),
  context: fc.integer({ min: 100, max: 20_000 }),
});

describe('middle-out', () => {
  it('keeps the system messages, the first and the last message, removes only from the middle, and fits when those ends fit', () => {
    fc.assert(
      fc.property(conversationArb, ({ system, messages, context }) => {
        const all: Message[] = system ? [{ role: 'system', content: 'Be brief.' }, ...messages] : messages;
        const result = middleOut({ messages: all }, context);
        const size = (list: readonly unknown[]) => list.reduce<number>((n, m) => n + textLength(m), 0);
        if (result === undefined) {
          // nothing removed: it fitted, or there was no middle to take
          expect(size(all) <= context * 4 || all.length <= (system ? 3 : 2)).toBe(true);
          return;
        }
        const kept = result.body.messages as Message[];
        expect(kept.length).toBe(all.length - result.removed);
        const head = system ? 2 : 1;
        expect(kept.slice(0, head)).toEqual(all.slice(0, head));
        expect(kept[kept.length - 1]).toBe(all[all.length - 1]);
        // the kept tail is a suffix of the conversation
        const tail = kept.slice(head);
        expect(tail).toEqual(all.slice(all.length - tail.length));
        if (tail.length > 1) expect(tail[0]!.role).not.toBe('tool');
        const ends = size(all.slice(0, head)) + textLength(all[all.length - 1]);
        if (ends <= context * 4) expect(size(kept)).toBeLessThanOrEqual(context * 4);
      }),
      { numRuns: 300 },
    );
  });

  it('trims a Responses input array, and leaves a request without a conversation alone', () => {
    const input = [{ role: 'user', content: 'task' }, ...Array.from({ length: 10 }, () => ({ type: 'message', role: 'assistant', content: 'z'.repeat(1_000) })), { role: 'user', content: 'last' }];
    const result = middleOut({ input }, 600);
    expect(result?.removed).toBeGreaterThan(0);
    expect((result!.body.input as unknown[]).at(-1)).toEqual({ role: 'user', content: 'last' });
    expect(middleOut({ input: 'a string prompt' }, 1)).toBeUndefined();
  });
});
