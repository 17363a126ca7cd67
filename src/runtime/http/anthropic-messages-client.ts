/**
 * `POST /v1/messages`: Anthropic Messages, relayed untouched to `anthropic` upstreams (with the client's
 * `anthropic-version` and `anthropic-beta`, and `cache_control` blocks as they are), byte for byte back.
 */
import { ANTHROPIC_RELAYED_HEADERS } from '../upstream/anthropic-request.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { anthropicStreamErrorEvent } from './error-envelope.js';

export const anthropicMessagesClient: ClientProtocolSpec = {
  protocol: 'anthropic-messages',
  envelope: 'anthropic',
  native: {
    upstream: 'anthropic',
    relayedHeaders: ANTHROPIC_RELAYED_HEADERS,
    streamTerminals: ['event: message_stop'],
    streamErrorMarkers: ['event: error'],
    // a message's `model` (and `message.model` in message_start), never a tool input's `model` member
    renamesModel: true,
    modelMemberDepth: { json: 1, stream: 2 },
    outputTokensField: 'output_tokens',
  },
  checkContent(body) {
    if (!Array.isArray(body.messages) || body.messages.length === 0) return { status: 400, code: 'missing_messages', message: "'messages' is required: a non-empty array of user and assistant messages" };
    return undefined;
  },
  withSystem(body, system) {
    const own = body.system;
    if (own === undefined || own === '') return { ...body, system };
    // blocks keep their cache_control; a string becomes a block after the preset's
    const blocks = Array.isArray(own) ? own : [{ type: 'text', text: own }];
    return { ...body, system: [{ type: 'text', text: system }, ...blocks] };
  },
  routingView(body) {
    const view: Record<string, unknown> = { ...body };
    if (body.stop_sequences !== undefined) view.stop = body.stop_sequences;
    if (body.thinking !== undefined) view.reasoning = body.thinking;
    const output = body.output_config;
    if (output !== null && typeof output === 'object' && 'format' in output) view.response_format = (output as { format: unknown }).format;
    return view;
  },
  streamErrorEvent: (error, requestId) => anthropicStreamErrorEvent(error, requestId),
};
