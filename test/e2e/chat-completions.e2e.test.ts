/** The happy paths and a request error, through the official SDK: JSON, SSE, and an upstream 400 as APIError. */
import OpenAI, { APIError, BadRequestError } from 'openai';
import { describe, expect, it } from 'vitest';
import { ALIAS, MODEL, messages, useE2E } from './harness.js';

const e2e = useE2E();

const twoUpstreams = () => e2e.twoUpstreams();

describe('e2e: chat completions through the SDK', () => {
  it('answers a non-streaming request from the primary, with the gateway headers', async () => {
    const { primary, secondary, gw } = await twoUpstreams();
    primary.setDefault({ content: 'Hi from primary' });

    const { data, response } = await gw.client().chat.completions.create({ model: MODEL, messages }).withResponse();

    expect(data.object).toBe('chat.completion');
    expect(data.choices[0]?.message.content).toBe('Hi from primary');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-anyrouter-upstream')).toBe('primary');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('1');
    expect(response.headers.get('x-anyrouter-request-id')).toMatch(/^req_[0-9a-f]{32}$/);
    // the upstream got the provider's model name and the provider's key, once
    expect(primary.requests).toHaveLength(1);
    expect(primary.requests[0]).toMatchObject({ path: '/v1/chat/completions', model: 'primary-model', apiKey: gw.env.E2E_PRIMARY_MAIN });
    expect(primary.requests[0]?.body).toMatchObject({ messages });
    expect(secondary.requests).toHaveLength(0);
  });

  it('resolves an alias to the canonical model', async () => {
    const { primary, gw } = await twoUpstreams();
    const { response } = await gw.client().chat.completions.create({ model: ALIAS, messages }).withResponse();
    expect(response.headers.get('x-anyrouter-upstream')).toBe('primary');
    expect(primary.requests[0]?.model).toBe('primary-model');
  });

  it('streams: the SDK iterates every chunk to the end', async () => {
    const { primary, gw } = await twoUpstreams();
    primary.setDefault({ content: 'abcdefghijkl', chunks: 4 });

    const { data: stream, response } = await gw.client().chat.completions.create({ model: MODEL, messages, stream: true }).withResponse();
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(response.headers.get('x-anyrouter-upstream')).toBe('primary');
    expect(response.headers.get('x-anyrouter-attempts')).toBe('1');

    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks[0]?.choices[0]?.delta.role).toBe('assistant');
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('abcdefghijkl');
    expect(chunks.filter((c) => c.choices[0]?.delta.content).length).toBe(4);
    expect(chunks.at(-1)?.choices[0]?.finish_reason).toBe('stop');
    expect(primary.requests[0]?.body).toMatchObject({ stream: true });
  });

  it('returns an upstream 400 as the SDK BadRequestError, without failing over', async () => {
    const { primary, secondary, gw } = await twoUpstreams();
    primary.setDefault({ status: 400, message: "Invalid value for 'temperature'." });

    const error = await gw
      .client()
      .chat.completions.create({ model: MODEL, messages, temperature: 7 })
      .then(() => undefined, (e: unknown) => e);

    expect(error).toBeInstanceOf(BadRequestError);
    const apiError = error as APIError;
    expect(apiError.status).toBe(400);
    expect(apiError.message).toContain("Invalid value for 'temperature'.");
    expect(apiError.headers?.get('x-anyrouter-upstream')).toBe('primary');
    expect(apiError.headers?.get('x-anyrouter-attempts')).toBe('1');
    expect(primary.requests).toHaveLength(1);
    expect(secondary.requests).toHaveLength(0);
  });

  it('returns an upstream 400 on a streaming request as BadRequestError too', async () => {
    const { primary, secondary, gw } = await twoUpstreams();
    primary.setDefault({ status: 400 });
    const error = await gw
      .client()
      .chat.completions.create({ model: MODEL, messages, stream: true })
      .then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect(secondary.requests).toHaveLength(0);
  });
});
