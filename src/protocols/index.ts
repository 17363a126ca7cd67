/** The translation layer: one canonical model, one codec per wire protocol, no HTTP. */
export * from './canonical.js';
export type { DecodeContext, EncodedRequest, EncodeRequestOptions, ProtocolCodec, StreamDecoder, StreamEncoder, StreamEncoderOptions } from './codec.js';
export { ProtocolDecodeError } from './protocol-decode-error.js';
export { errorKindForStatus, statusForErrorKind } from './error-kind.js';
export { StreamAccumulator, accumulateStream, mergeUsage } from './stream-accumulator.js';
export { responseToStreamEvents } from './response-to-stream-events.js';
export { codecForUpstream, errorProtocolOf, needsTranslation, protocolCodecs, upstreamProtocols, type ChatProtocol, type ClientProtocol, type UpstreamType } from './protocol-registry.js';
export { clientToolNames, flatToolName, type ClientToolNames } from './tool-names.js';
export { createStreamTranslator, translateError, translateRequest, translateResponse, type StreamTranslator, type StreamTranslatorOptions, type TranslatedRequest } from './translate.js';
export { openAIChatCodec } from './openai-chat/openai-chat-codec.js';
export { usageFromOpenAIChat } from './openai-chat/openai-chat-usage.js';
export { usageFromAnthropic } from './anthropic-messages/anthropic-usage.js';
export { anthropicMessagesCodec } from './anthropic-messages/anthropic-messages-codec.js';
export { openAIResponsesCodec } from './openai-responses/openai-responses-codec.js';
export { geminiCodec } from './gemini/gemini-codec.js';
export { decodeOpenAIEmbeddingsRequest, MAX_EMBEDDINGS_INPUTS, type EmbeddingsEncoding, type EmbeddingsInput, type EmbeddingsRequest } from './openai-embeddings/embeddings-request.js';
export { encodeOpenAIEmbeddingsResponse, float32Base64, type EmbeddingsResult } from './openai-embeddings/encode-embeddings-response.js';
export { decodeGeminiEmbeddingsResponse, encodeGeminiEmbeddingsRequest, type TranslatedEmbeddingsRequest } from './gemini/gemini-embeddings.js';
