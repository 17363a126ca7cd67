/**
 * The gateway's embeddings answer in OpenAI's shape: `{object:'list', data:[{object:'embedding', index,
 * embedding}], model, usage:{prompt_tokens, total_tokens}}`, each vector a list of floats or, for
 * `encoding_format: base64`, its float32 values little-endian, base64-encoded (as OpenAI sends them).
 */
import type { JsonObject } from '../canonical.js';
import type { EmbeddingsEncoding } from './embeddings-request.js';

/** Vectors in input order, and the input tokens they cost. */
export interface EmbeddingsResult {
  vectors: number[][];
  promptTokens: number;
}

export function encodeOpenAIEmbeddingsResponse(result: EmbeddingsResult, model: string, encoding: EmbeddingsEncoding): JsonObject {
  return {
    object: 'list',
    data: result.vectors.map((vector, index) => ({ object: 'embedding', index, embedding: encoding === 'base64' ? float32Base64(vector) : vector })),
    model,
    usage: { prompt_tokens: result.promptTokens, total_tokens: result.promptTokens },
  };
}

/** A vector as little-endian float32 bytes in base64. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}
