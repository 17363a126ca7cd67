/**
 * OpenAI embeddings requests to the Gemini API and its answers back (ai.google.dev/api/embeddings): one
 * input goes to `models/{m}:embedContent` as `{content:{parts:[{text}]}, outputDimensionality}` and
 * answers `{embedding:{values}}`; several go to `models/{m}:batchEmbedContents` as `{requests:[{model:
 * 'models/{m}', content, outputDimensionality}]}` and answer `{embeddings:[{values}]}` in input order.
 * Token-id inputs have no Gemini form (they are OpenAI tokenizer ids).
 */
import type { JsonObject } from '../canonical.js';
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

/** A JSON array of numbers, and nothing else (no strings, no nesting): what an embedding's `values` hold. */
const NUMBER = String.raw`-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const NUMBER_ARRAY = new RegExp(String.raw`^\[\s*(?:${NUMBER}\s*(?:,\s*${NUMBER}\s*)*)?\]$`);
const VALUES_KEY = '"values"';
const PROMPT_TOKENS = /"promptTokenCount"\s*:\s*(\d+)/;

/**
 * The vectors of an `embedContent` or `batchEmbedContents` answer text, in order, each as the JSON text
 * of its `values` array exactly as the upstream wrote it (read, checked to be numbers, never parsed and
 * re-printed: a 100 x 3,072 batch is 6.5 MB of JSON), and `usageMetadata.promptTokenCount` when the
 * answer has one. Undefined when the text holds no `values` array of numbers.
 */
export function decodeGeminiEmbeddingsResponse(text: string): { vectors: string[]; promptTokens?: number } | undefined {
  const vectors: string[] = [];
  for (let at = text.indexOf(VALUES_KEY); at >= 0; at = text.indexOf(VALUES_KEY, at)) {
    let i = skipSpace(text, at + VALUES_KEY.length);
    if (text[i] !== ':') return undefined;
    i = skipSpace(text, i + 1);
    const end = text.indexOf(']', i);
    if (text[i] !== '[' || end < 0) return undefined;
    const values = text.slice(i, end + 1);
    if (!NUMBER_ARRAY.test(values)) return undefined;
    vectors.push(values);
    at = end;
  }
  if (vectors.length === 0) return undefined;
  const usageAt = text.indexOf('"usageMetadata"');
  const usageEnd = usageAt < 0 ? -1 : text.indexOf('}', usageAt);
  const usage = usageAt < 0 ? undefined : PROMPT_TOKENS.exec(usageEnd < 0 ? text.slice(usageAt) : text.slice(usageAt, usageEnd));
  return usage ? { vectors, promptTokens: Number(usage[1]) } : { vectors };
}

function skipSpace(text: string, from: number): number {
  let i = from;
  while (text[i] === ' ' || text[i] === '\n' || text[i] === '\r' || text[i] === '\t') i++;
  return i;
}
