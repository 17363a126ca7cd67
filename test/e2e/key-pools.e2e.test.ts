/** Provider key pools over real HTTP: a rejected key is quarantined, round-robin spreads evenly. */
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, countByKey, messages, provider, useE2E } from './harness.js';

const e2e = useE2E();

describe('e2e: key pools', () => {
  it('a key answered 401 is quarantined: the second key serves, and the first stays out on the next request', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', upstream, { keys: ['first', 'second'], keyStrategy: 'fallback' }) },
      models: [chatModel(['primary'])],
    });
    const first = e2e.secretOf('primary', 'first');
    const second = e2e.secretOf('primary', 'second');
    upstream.setByKey({ [first]: { status: 401 } });
    const client = gw.client();

    const one = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(one.response.status).toBe(200);
    expect(one.response.headers.get('x-anyrouter-upstream')).toBe('primary');
    expect(one.response.headers.get('x-anyrouter-attempts')).toBe('2');
    expect(upstream.requests.map((r) => r.apiKey)).toEqual([first, second]);

    // the first key would now succeed, but it is quarantined (keyQuarantineMs is long)
    upstream.setByKey({});
    const two = await client.chat.completions.create({ model: MODEL, messages }).withResponse();
    expect(two.response.headers.get('x-anyrouter-attempts')).toBe('1');
    expect(upstream.requests.map((r) => r.apiKey)).toEqual([first, second, second]);
  });

  it('a quarantined key rejoins the pool after its quarantine', async () => {
    const upstream = await e2e.mock();
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', upstream, { keys: ['first', 'second'] }) },
      models: [chatModel(['primary'])],
      routing: { keyQuarantineMs: 400 },
    });
    const first = e2e.secretOf('primary', 'first');
    upstream.script([{ status: 403 }]);
    const client = gw.client();
    await client.chat.completions.create({ model: MODEL, messages });
    await client.chat.completions.create({ model: MODEL, messages });
    await sleep(450);
    await client.chat.completions.create({ model: MODEL, messages });
    expect(upstream.requests.map((r) => r.apiKey === first)).toEqual([true, false, false, true]);
  });

  it('round-robin over 3 healthy keys spreads 300 requests exactly 100/100/100', async () => {
    const upstream = await e2e.mock();
    const keys = ['a', 'b', 'c'];
    const gw = await e2e.gateway({
      providers: { primary: provider('primary', upstream, { keys, keyStrategy: 'round-robin' }) },
      models: [chatModel(['primary'])],
    });
    const client = gw.client();
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(Array.from({ length: 30 }, () => client.chat.completions.create({ model: MODEL, messages }).withResponse()));
      for (const { response } of answers) expect(response.headers.get('x-anyrouter-attempts')).toBe('1');
    }
    expect(countByKey(upstream)).toEqual(Object.fromEntries(keys.map((k) => [e2e.secretOf('primary', k), 100])));
  });
});
