/**
 * OpenAI embeddings requests to the Gemini API and its answers back (ai.google.dev/api/embeddings): one
 * input goes to `models/{m}:embedContent` as `{content:{parts:[{text}]}, outputDimensionality}` and
 * answers `{embedding:{values}}`; several go to `models/{m}:batchEmbedContents` as `{requests:[{model:
 * 'models/{m}', content, outputDimensionality}]}` and answer `{embeddings:[{values}]}` in input order.
 * Token-id inputs have no Gemini form (they are OpenAI tokenizer ids).
 */
import type { JsonObject } from '../canonical.js';
import { arrayAt, numberAt, objectAt } from '../json-reader.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import type { EmbeddingsRequest } from '../openai-embeddings/embeddings-request.js';

/** An embeddings request in an upstream's own format. */
export interface TranslatedEmbeddingsRequest {
  /** `batchEmbedContents` (several inputs) rather than `embedContent` (one). */
  batch: boolean;
  body: JsonObject;
  /** Request members Gemini has no place for, in the client's names. */
  dropped: string[];
}

/** Throws `ProtocolDecodeError` for token-id input. */
export function encodeGeminiEmbeddingsRequest(request: EmbeddingsRequest, model: string): TranslatedEmbeddingsRequest {
  if (request.input.kind !== 'text') throw new ProtocolDecodeError('token-id input can only go to OpenAI-compatible upstreams; send text to embed with Gemini', 'input');
  const name = model.startsWith('models/') ? model : `models/${model}`;
  const one = (text: string): JsonObject => {
    const item: JsonObject = { content: { parts: [{ text }] } };
    if (request.dimensions !== undefined) item.outputDimensionality = request.dimensions;
    return item;
  };
  const dropped = Object.keys(request.extra);
  if (request.user !== undefined) dropped.unshift('user');
  const texts = request.input.texts;
  if (texts.length === 1) return { batch: false, body: one(texts[0]!), dropped };
  return { batch: true, body: { requests: texts.map((text) => ({ model: name, ...one(text) })) }, dropped };
}

/** The vectors of an `embedContent` or `batchEmbedContents` answer, and `usageMetadata.promptTokenCount` when it has one. */
export function decodeGeminiEmbeddingsResponse(body: unknown): { vectors: number[][]; promptTokens?: number } | undefined {
  const answer = objectAt(body);
  if (!answer) return undefined;
  const single = objectAt(answer.embedding);
  const items = single ? [single] : Array.isArray(answer.embeddings) ? arrayAt(answer.embeddings).map(objectAt) : undefined;
  if (items === undefined) return undefined;
  const vectors: number[][] = [];
  for (const item of items) {
    const values = item?.values;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'number')) return undefined;
    vectors.push(values as number[]);
  }
  const promptTokens = numberAt(objectAt(answer.usageMetadata)?.promptTokenCount);
  return promptTokens === undefined ? { vectors } : { vectors, promptTokens };
}
