/**
 * A translated embeddings answer (a `gemini` upstream's `embedding.values` / `embeddings[].values`) sent
 * in OpenAI's shape, floats or base64 as the client asked, `model` naming the catalog model. The prompt
 * tokens come from the upstream's usage metadata when it has them, else from the gateway's estimate
 * (text characters / 4), which `x-anyrouter-token-count: estimate` marks.
 */
import { encodeOpenAIEmbeddingsResponse, type EmbeddingsRequest } from '../../protocols/index.js';
import type { EmbeddingsOperation } from '../upstream/upstream-adapter.js';
import { sendGatewayError, sendJson } from './respond.js';
import type { Answered, ServedAnswer } from './send-answer.js';
import { estimateTextTokens } from './token-estimate.js';

type Delivered = Pick<Answered, 'status' | 'error' | 'usage' | 'body' | 'costUsd'>;

export function sendTranslatedEmbeddings(answer: ServedAnswer, decode: EmbeddingsOperation['decode'], request: EmbeddingsRequest, status: number, data: Buffer): Delivered {
  const decoded = decode?.(data.toString('utf8'));
  const inputs = request.input.kind === 'text' ? request.input.texts.length : request.input.tokens.length;
  if (decoded === undefined || decoded.vectors.length !== inputs) {
    const message = decoded === undefined ? 'the upstream answered with a body that is not an embeddings answer' : `the upstream answered ${decoded.vectors.length} embeddings for ${inputs} inputs`;
    sendGatewayError(answer.res, answer.client.envelope, { status: 502, code: 'upstream_invalid_response', message }, answer.requestId, answer.headers);
    return { status: 502, error: message };
  }
  let promptTokens = decoded.promptTokens;
  if (promptTokens === undefined) {
    promptTokens = estimatePromptTokens(request);
    answer.headers['x-anyrouter-token-count'] = 'estimate';
  } else answer.headers['x-anyrouter-token-count'] = 'upstream';
  const usage = { inputTokens: promptTokens, outputTokens: 0 };
  const cost = answer.costOf(usage);
  // OpenRouter's shape, as in translated chat answers: the cost rides in the usage object
  const text = encodeOpenAIEmbeddingsResponse({ vectors: decoded.vectors, promptTokens }, answer.servedModel, request.encoding, { cost });
  answer.headers['x-anyrouter-cost'] = String(cost);
  sendJson(answer.res, status, text, answer.headers, true);
  return { status, usage, body: text, costUsd: cost };
}

function estimatePromptTokens(request: EmbeddingsRequest): number {
  if (request.input.kind === 'tokens') return request.input.tokens.reduce((n, ids) => n + ids.length, 0);
  return request.input.texts.reduce((n, text) => n + estimateTextTokens(text), 0);
}
