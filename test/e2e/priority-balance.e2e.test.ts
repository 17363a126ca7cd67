/**
 * Balancing within a priority and prompt-cache stickiness over real HTTP: two upstreams of one priority
 * share traffic; a conversation whose system prompt and first message an upstream served keeps landing
 * there while it is healthy, moves while it is ejected, and comes back when it recovers.
 */
import type OpenAI from 'openai';
import { describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { MODEL, provider, useE2E } from './harness.js';

const e2e = useE2E();
const SYSTEM = 'You are a meticulous code reviewer. ' + 'Follow the house style guide to the letter. '.repeat(200);

function tiedModel(extra: Partial<ModelInput> = {}): ModelInput {
  return { id: MODEL, context: 128_000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'a', model: 'a-model', priority: 1 }, { provider: 'b', model: 'b-model', priority: 1 }], ...extra };
}

async function tiedGateway(extra: Partial<ModelInput> = {}) {
  const a = await e2e.mock();
  const b = await e2e.mock();
  // one failure ejects, for 400 ms
  const gw = await e2e.gateway({ providers: { a: provider('a', a), b: provider('b', b) }, models: [tiedModel(extra)], routing: { cooldownMs: 400, outlier: { consecutive: 1 } } });
  return { a, b, gw };
}

const conversation = (first: string, turn: number): OpenAI.ChatCompletionMessageParam[] => [
  { role: 'system', content: SYSTEM },
  { role: 'user', content: first },
  ...Array.from({ length: turn }, (_, i): OpenAI.ChatCompletionMessageParam[] => [{ role: 'assistant', content: `reply ${i}` }, { role: 'user', content: `follow-up ${i}` }]).flat(),
];

describe('e2e: balancing and stickiness within a priority', () => {
  it('conversations with different prefixes spread over both upstreams of a priority', async () => {
    const { gw } = await tiedGateway();
    const served = new Set<string | null>();
    for (let i = 0; i < 24; i++) {
      const { response } = await gw.client().chat.completions.create({ model: MODEL, messages: conversation(`review change ${i}`, 0) }).withResponse();
      served.add(response.headers.get('x-anyrouter-upstream'));
    }
    expect(served).toEqual(new Set(['a', 'b']));
  });

  it('a conversation sticks to the upstream that served its prefix while healthy; moves while it is ejected; comes back when it recovers', async () => {
    const { a, b, gw } = await tiedGateway();
    const ask = async (turn: number) => (await gw.client().chat.completions.create({ model: MODEL, messages: conversation('review my change', turn) }).withResponse()).response.headers.get('x-anyrouter-upstream');
    const first = await ask(0);
    for (let turn = 1; turn <= 6; turn++) expect(await ask(turn)).toBe(first);
    const [sticky, other] = first === 'a' ? [a, b] : [b, a];
    const otherName = first === 'a' ? 'b' : 'a';
    expect(other.requests).toHaveLength(0);

    // its next answer is a 500: ejected, the request fails over, and the conversation moves
    sticky.script([{ status: 500 }]);
    expect(await ask(7)).toBe(otherName);
    expect(await ask(8)).toBe(otherName);
    // back once the ejection is over
    await new Promise((r) => setTimeout(r, 500));
    expect(await ask(9)).toBe(first);
    expect(await ask(10)).toBe(first);
  });

  it('sticky: false leaves every request to the weighted draw', async () => {
    const { gw } = await tiedGateway({ sticky: false });
    const served = new Set<string | null>();
    for (let turn = 0; turn < 24; turn++) served.add((await gw.client().chat.completions.create({ model: MODEL, messages: conversation('same prefix', turn) }).withResponse()).response.headers.get('x-anyrouter-upstream'));
    expect(served).toEqual(new Set(['a', 'b']));
  });
});
