/**
 * `POST /v1/embeddings`: OpenAI's Embeddings API, relayed untouched to `openai` upstreams (only `model`
 * replaced) and translated for `gemini` ones (upstream-requests.ts, translated-embeddings.ts). Only
 * embeddings models are served here; there is no stream.
 */
import { ProtocolDecodeError, decodeOpenAIEmbeddingsRequest } from '../../protocols/index.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { openAIChatClient } from './openai-chat-client.js';
import { openAIStreamErrorEvent } from './openai-errors.js';

export const openAIEmbeddingsClient: ClientProtocolSpec = {
  protocol: 'openai-embeddings',
  envelope: 'openai',
  // relayed to `openai` upstreams as Chat Completions are (`model` renamed, usage priced)
  native: openAIChatClient.native,
  checkContent(body) {
    if (body.stream !== undefined && body.stream !== false) return { status: 400, code: 'invalid_stream', message: "embeddings are not streamed: leave 'stream' out" };
    // middle-out would drop inputs, not messages
    if (Array.isArray(body.transforms) && body.transforms.length > 0) return { status: 400, code: 'invalid_transforms', message: "'transforms' do not apply to embeddings" };
    try {
      // the whole request is read here, so a bad one gets OpenAI's 400 before any upstream call
      decodeOpenAIEmbeddingsRequest(body);
      return undefined;
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      return { status: 400, code: 'invalid_embeddings_request', message: error.param !== undefined && !error.message.includes(error.param) ? `${error.message} (at ${error.param})` : error.message };
    }
  },
  // a preset's system prompt has no place in an embeddings request
  withSystem: (body) => ({ ...body }),
  routingView: (body) => body as Record<string, unknown>,
  streamErrorEvent: (error, requestId, model) => openAIStreamErrorEvent(error.message, requestId, model),
};
