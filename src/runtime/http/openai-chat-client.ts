/** `POST /v1/chat/completions`: OpenAI Chat Completions, relayed untouched to `openai` upstreams. */
import { OPENAI_RELAYED_HEADERS } from '../upstream/openai-request.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { openAIStreamErrorEvent } from './openai-errors.js';

export const openAIChatClient: ClientProtocolSpec = {
  protocol: 'openai-chat',
  envelope: 'openai',
  native: {
    upstream: 'openai',
    relayedHeaders: OPENAI_RELAYED_HEADERS,
    streamTerminals: ['data: [DONE]'],
    renamesModel: true,
    outputTokensField: 'completion_tokens',
  },
  checkContent(body) {
    if (!Array.isArray(body.messages) || body.messages.length === 0) return { status: 400, code: 'missing_messages', message: "'messages' is required: a non-empty array of chat messages" };
    return undefined;
  },
  withSystem: (body, system) => ({ ...body, messages: [{ role: 'system', content: system }, ...(body.messages as unknown[])] }),
  routingView: (body) => body as Record<string, unknown>,
  streamErrorEvent: (error, requestId, model) => openAIStreamErrorEvent(error.message, requestId, model),
};
