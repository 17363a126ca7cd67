/** Which codec speaks which client protocol and which upstream type. */
import type { WireProtocol } from './canonical.js';
import type { ProtocolCodec } from './codec.js';
import { anthropicMessagesCodec } from './anthropic-messages/anthropic-messages-codec.js';
import { geminiCodec } from './gemini/gemini-codec.js';
import { openAIChatCodec } from './openai-chat/openai-chat-codec.js';
import { openAIResponsesCodec } from './openai-responses/openai-responses-codec.js';

/** The protocols clients speak to the gateway: `/v1/chat/completions`, `/v1/messages`, `/v1/responses`, `/v1/embeddings`. */
export type ClientProtocol = 'openai-chat' | 'anthropic-messages' | 'openai-responses' | 'openai-embeddings';

/** The client protocols that chat (generate text), and so go through the canonical model and its codecs. */
export type ChatProtocol = Exclude<ClientProtocol, 'openai-embeddings'>;

/** Provider `type` values in the config that name a wire format. */
export type UpstreamType = 'openai' | 'anthropic' | 'gemini';

export const protocolCodecs: Readonly<Record<WireProtocol, ProtocolCodec>> = {
  'openai-chat': openAIChatCodec,
  'anthropic-messages': anthropicMessagesCodec,
  'openai-responses': openAIResponsesCodec,
  gemini: geminiCodec,
};

export const upstreamProtocols: Readonly<Record<UpstreamType, WireProtocol>> = {
  openai: 'openai-chat',
  anthropic: 'anthropic-messages',
  gemini: 'gemini',
};

export function codecForUpstream(type: UpstreamType): ProtocolCodec {
  return protocolCodecs[upstreamProtocols[type]];
}

/** The wire protocol whose error envelope a client protocol answers in (an embeddings client's: OpenAI's). */
export function errorProtocolOf(client: ClientProtocol): WireProtocol {
  return client === 'openai-embeddings' ? 'openai-chat' : client;
}

/** False when client and upstream speak the same protocol: then the bytes go through untouched. */
export function needsTranslation(client: ClientProtocol, upstream: UpstreamType): boolean {
  return upstreamProtocols[upstream] !== client;
}
