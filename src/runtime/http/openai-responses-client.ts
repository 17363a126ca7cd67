/**
 * `POST /v1/responses`: OpenAI Responses, relayed untouched to `openai` providers marked `responses: true`
 * (at `{baseUrl}/responses`, `previous_response_id`, reasoning items and hosted tools included) and
 * translated to every other upstream, which takes only a stateless request.
 */
import { openAIResponsesCodec } from '../../protocols/index.js';
import { generateId } from '../../protocols/generate-id.js';
import { responseObject } from '../../protocols/openai-responses/responses-output-items.js';
import { formatSseEvent } from '../../protocols/sse/format-sse-event.js';
import { OPENAI_RELAYED_HEADERS } from '../upstream/openai-request.js';
import type { ClientProtocolSpec } from './client-protocol.js';

export const openAIResponsesClient: ClientProtocolSpec = {
  protocol: 'openai-responses',
  envelope: 'openai',
  native: {
    upstream: 'openai',
    optIn: 'responses',
    path: '/responses',
    relayedHeaders: OPENAI_RELAYED_HEADERS,
    // OpenAI names each event (`event:` lines); an upstream that does not still puts `type` first in its data (with or without a space)
    streamTerminals: ['event: response.completed', 'event: response.incomplete', 'data: {"type":"response.completed"', 'data: {"type":"response.incomplete"', 'data: {"type": "response.completed"', 'data: {"type": "response.incomplete"'],
    streamErrorMarkers: ['event: response.failed', 'event: error', 'data: {"type":"response.failed"', 'data: {"type":"error"', 'data: {"type": "response.failed"', 'data: {"type": "error"'],
    // some compatible servers close a Responses stream Chat-style, with `data: [DONE]` after response.completed
    streamTrailers: ['data: [DONE]'],
    // the response's `model` (in a stream, `response.model` of response.created ... response.completed), never a
    // deeper one (a tool's parameters, a JSON schema)
    renamesModel: true,
    modelMemberDepth: { json: 1, stream: 2 },
    outputTokensField: 'output_tokens',
    streamCutEvent(error, model, relayedEvents) {
      // the upstream's response.created already went out: the stream ends with response.failed, numbered after it
      const response = responseObject({ id: generateId('resp_'), model, createdAt: Math.floor(Date.now() / 1000), output: [], error: { code: 'server_error', message: error.message } });
      return formatSseEvent({ type: 'response.failed', sequence_number: relayedEvents, response }, 'response.failed');
    },
  },
  checkContent(body) {
    if (typeof body.input !== 'string' && !Array.isArray(body.input)) return { status: 400, code: 'missing_input', message: "'input' is required: a string or an array of input items" };
    return undefined;
  },
  withSystem(body, system) {
    const own = typeof body.instructions === 'string' && body.instructions !== '' ? `\n\n${body.instructions}` : '';
    return { ...body, instructions: system + own };
  },
  routingView(body) {
    const view: Record<string, unknown> = { ...body };
    if (body.max_output_tokens !== undefined) view.max_tokens = body.max_output_tokens;
    const text = body.text;
    if (text !== null && typeof text === 'object' && 'format' in text) view.response_format = (text as { format: unknown }).format;
    return view;
  },
  streamErrorEvent(error, requestId, model) {
    // response.created, response.in_progress, response.failed: what the SDK's ResponseStream expects
    const encoder = openAIResponsesCodec.createStreamEncoder({ model, requestId });
    return encoder.encode({ type: 'error', message: error.message, kind: error.kind }) + encoder.encode({ type: 'end' });
  },
};
