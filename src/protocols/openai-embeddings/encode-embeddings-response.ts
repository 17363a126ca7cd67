/**
 * The gateway's embeddings answer in OpenAI's shape: `{object:'list', data:[{object:'embedding', index,
 * embedding}], model, usage:{prompt_tokens, total_tokens}}`, each vector the upstream's own JSON array of
 * numbers (copied, not re-printed) or, for `encoding_format: base64`, its values as float32 little-endian,
 * base64-encoded (as OpenAI sends them).
 */
import type { EmbeddingsEncoding } from './embeddings-request.js';

/** Vectors in input order, each the JSON text of an array of numbers, and the input tokens they cost. */
export interface EmbeddingsResult {
  vectors: readonly string[];
  promptTokens: number;
}

/** The answer's JSON text; `usageExtra` members (OpenRouter's `cost`) go into its usage object. */
export function encodeOpenAIEmbeddingsResponse(result: EmbeddingsResult, model: string, encoding: EmbeddingsEncoding, usageExtra: Readonly<Record<string, number>> = {}): string {
  const parts: string[] = [];
  result.vectors.forEach((vector, index) => {
    const embedding = encoding === 'base64' ? `"${float32Base64(JSON.parse(vector) as number[])}"` : vector;
    parts.push(`{"object":"embedding","index":${index},"embedding":${embedding}}`);
  });
  const usage = JSON.stringify({ prompt_tokens: result.promptTokens, total_tokens: result.promptTokens, ...usageExtra });
  return `{"object":"list","data":[${parts.join(',')}],"model":${JSON.stringify(model)},"usage":${usage}}`;
}

/** A vector as little-endian float32 bytes in base64. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString('base64');
}
