/** `POST /v1/responses`: OpenAI Responses, stateless. No upstream type speaks it, so it is always translated. */
import { openAIResponsesCodec } from '../../protocols/index.js';
import type { ClientProtocolSpec } from './client-protocol.js';

export const openAIResponsesClient: ClientProtocolSpec = {
  protocol: 'openai-responses',
  envelope: 'openai',
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
