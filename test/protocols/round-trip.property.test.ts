/**
 * Text, tool calls and their arguments survive client protocol -> canonical -> upstream format -> canonical
 * -> client protocol, for every (client protocol, upstream type) pair: requests, responses and streams
 * (text and arguments cut into random deltas, SSE bodies cut into random byte chunks).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { accumulateStream, protocolCodecs, upstreamProtocols, type ChatProtocol, type UpstreamType } from '../../src/protocols/index.js';
import { byteCuts, canonicalRequest, canonicalResponse, streamedResponse } from './support/canonical-arbitraries.js';
import { requestEssence, responseEssence, toolCallIds } from './support/essence.js';
import { decodeAll, encodeAll } from './support/stream-harness.js';

const clients: ChatProtocol[] = ['openai-chat', 'anthropic-messages', 'openai-responses'];
const upstreams: UpstreamType[] = ['openai', 'anthropic', 'gemini'];
const pairs = clients.flatMap((client) => upstreams.map((upstream) => [client, upstream] as const));
const runs = { numRuns: 40 };

describe.each(pairs)('%s client, %s upstream', (clientProtocol, upstreamType) => {
  const client = protocolCodecs[clientProtocol];
  const upstream = protocolCodecs[upstreamProtocols[upstreamType]];

  it('round-trips a request', () => {
    fc.assert(
      fc.property(canonicalRequest, (generated) => {
        const clientBody = client.encodeRequest(generated).body;
        const decoded = client.decodeRequest(clientBody);
        const upstreamBody = upstream.encodeRequest(decoded).body;
        const atUpstream = upstream.decodeRequest(upstreamBody);
        // Gemini carries the model in the URL, not the body
        if (upstreamType === 'gemini') atUpstream.model = decoded.model;
        const back = client.decodeRequest(client.encodeRequest(atUpstream).body);
        expect(requestEssence(back)).toEqual(requestEssence(generated));
        if (upstreamType !== 'gemini') expect(toolCallIds(back)).toEqual(toolCallIds(generated));
      }),
      runs,
    );
  });

  it('round-trips a response', () => {
    fc.assert(
      fc.property(canonicalResponse, (generated) => {
        const fromUpstream = upstream.decodeResponse(upstream.encodeResponse(generated));
        const back = client.decodeResponse(client.encodeResponse(fromUpstream));
        expect(responseEssence(back)).toEqual(responseEssence(generated));
        if (upstreamType !== 'gemini') expect(toolCallIds(back)).toEqual(toolCallIds(generated));
      }),
      runs,
    );
  });

  it('round-trips a stream cut into random deltas and chunks', () => {
    fc.assert(
      fc.property(streamedResponse, byteCuts, byteCuts, ({ response, events }, upstreamCuts, clientCuts) => {
        const upstreamSse = encodeAll(upstream.createStreamEncoder({ includeUsage: true }), events);
        const fromUpstream = decodeAll(upstream.createStreamDecoder(), upstreamSse, upstreamCuts);
        expect(responseEssence(accumulateStream(fromUpstream))).toEqual(responseEssence(response));

        const clientSse = encodeAll(client.createStreamEncoder({ includeUsage: true }), fromUpstream);
        const atClient = decodeAll(client.createStreamDecoder(), clientSse, clientCuts);
        expect(atClient.filter((e) => e.type === 'error')).toEqual([]);
        const back = accumulateStream(atClient);
        expect(responseEssence(back)).toEqual(responseEssence(response));
        if (upstreamType !== 'gemini') expect(toolCallIds(back)).toEqual(toolCallIds(response));
      }),
      runs,
    );
  });
});
