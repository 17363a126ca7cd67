/**
 * Provider key values never reach the client: not in bodies, not in headers, not in errors, whatever the
 * upstreams do (including upstreams that echo the key back in their own error messages).
 */
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E } from './harness.js';

const e2e = useE2E();

/** Everything a client can see of a response: status line, every header, the whole body. */
async function visible(response: Response): Promise<string> {
  const headers = [...response.headers.entries()].map(([name, value]) => `${name}: ${value}`).join('\n');
  return `${response.status}\n${headers}\n\n${await response.text()}`;
}

describe('e2e: provider keys never leak', () => {
  it('no response, success or error, streaming or not, carries a provider key value', async () => {
    const primary = await e2e.mock();
    const secondary = await e2e.mock();
    const port = await e2e.closedPort();
    const gw = await e2e.gateway({
      providers: {
        primary: provider('primary', primary, { keys: ['first', 'second'], firstByteTimeoutMs: 150 }),
        secondary: provider('secondary', secondary),
        dead: provider('dead', `http://127.0.0.1:${port}/v1`),
      },
      models: [chatModel(['primary', 'secondary']), chatModel(['dead'], 'test/dead', [])],
      routing: { cooldownMs: 100 },
    });
    const secrets = Object.values(gw.env);
    expect(secrets.length).toBe(4);
    for (const s of secrets) expect(s).toContain('sk-test-SECRET123');
    // an upstream that echoes the key it was sent in its error messages, and in headers
    const echo = (status: number) => (request: { apiKey: string | undefined }) => ({
      status,
      message: `Incorrect API key provided: ${request.apiKey}.`,
      headers: { 'x-echo-key': request.apiKey ?? '', 'x-ratelimit-remaining-requests': request.apiKey ?? '' },
    });

    const seen: string[] = [];
    const chat = async (body: Record<string, unknown>, headers: Record<string, string> = {}) => {
      seen.push(await visible(await gw.postChat({ model: MODEL, messages, ...body }, { headers })));
    };
    const wait = () => new Promise((resolve) => setTimeout(resolve, 120));

    await chat({}); // success
    await chat({ stream: true }); // streamed success
    primary.setDefault(echo(400));
    await chat({}); // upstream 400 relayed to the client
    await chat({ stream: true });
    primary.setDefault(echo(422));
    await chat({});
    primary.setDefault(echo(401));
    secondary.setDefault(echo(401));
    await chat({}); // every key rejected: the gateway's own 502
    primary.setDefault(echo(429));
    secondary.setDefault(echo(429));
    await wait();
    await chat({});
    primary.setDefault(echo(500));
    secondary.setDefault(echo(503));
    await wait();
    await chat({ stream: true });
    await chat({}, { 'x-anyrouter-provider': 'secondary' }); // pinned while cooling: 503
    primary.setDefault({ hang: true });
    secondary.setDefault({ reset: true });
    await wait();
    await chat({}); // timeout + reset
    primary.setDefault({ cutAfterChunks: 2 });
    await wait();
    await chat({ stream: true }); // in-band error after the first byte
    await chat({ model: 'test/dead' }); // connect error
    await chat({ model: 'test/chta' }); // unknown model
    seen.push(await visible(await fetch(`${gw.url}/health`)));
    seen.push(await visible(await fetch(`${gw.url}/v1/models`)));
    seen.push(await visible(await fetch(`${gw.url}/v1/models/test/chat`)));

    expect(seen.length).toBe(16);
    // the upstreams really did see the keys and echo them
    expect(primary.requests.some((r) => r.apiKey === gw.env.E2E_PRIMARY_FIRST)).toBe(true);
    const all = seen.join('\n----\n');
    expect(all).toContain('Incorrect API key provided: [redacted].'); // the relayed upstream 4xx bodies are there ...
    for (const secret of secrets) expect(all).not.toContain(secret); // ... without the key
    expect(all).not.toContain('SECRET123');
  });
});
