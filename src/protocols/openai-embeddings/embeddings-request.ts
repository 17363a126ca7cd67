/**
 * OpenAI's Embeddings API request (`POST /v1/embeddings`), read into the gateway's embeddings model:
 * `input` as a string, an array of strings, an array of token ids or an array of token-id arrays;
 * `encoding_format` float (default) or base64; `dimensions`; `user`. Anything else is kept as `extra`
 * (an OpenAI-compatible upstream gets the client's bytes anyway; a translated request names what it drops).
 */
import type { JsonObject } from '../canonical.js';
import { ProtocolDecodeError } from '../protocol-decode-error.js';
import { unknownEntries } from '../json-reader.js';

export type EmbeddingsEncoding = 'float' | 'base64';

/** What is embedded: texts, or token ids (OpenAI's tokenizer: only OpenAI-compatible upstreams read them). */
export type EmbeddingsInput = { kind: 'text'; texts: string[] } | { kind: 'tokens'; tokens: number[][] };

export interface EmbeddingsRequest {
  model: string;
  input: EmbeddingsInput;
  encoding: EmbeddingsEncoding;
  dimensions?: number;
  user?: string;
  /** Members this model does not read, by name. */
  extra: JsonObject;
}

/** OpenAI's limit on the inputs of one request. */
export const MAX_EMBEDDINGS_INPUTS = 2048;

const KNOWN = new Set(['model', 'input', 'encoding_format', 'dimensions', 'user']);

/** Throws `ProtocolDecodeError` (a 400 naming the parameter) for a request OpenAI would refuse. */
export function decodeOpenAIEmbeddingsRequest(body: Readonly<Record<string, unknown>>): EmbeddingsRequest {
  const input = readInput(body.input);
  const format = body.encoding_format ?? 'float';
  if (format !== 'float' && format !== 'base64') throw new ProtocolDecodeError("'encoding_format' must be 'float' or 'base64'", 'encoding_format');
  const request: EmbeddingsRequest = { model: typeof body.model === 'string' ? body.model : '', input, encoding: format, extra: unknownEntries(body as JsonObject, KNOWN) };
  const dimensions = body.dimensions;
  if (dimensions !== undefined) {
    if (typeof dimensions !== 'number' || !Number.isInteger(dimensions) || dimensions < 1) throw new ProtocolDecodeError("'dimensions' must be a positive integer", 'dimensions');
    request.dimensions = dimensions;
  }
  if (body.user !== undefined) {
    if (typeof body.user !== 'string') throw new ProtocolDecodeError("'user' must be a string", 'user');
    request.user = body.user;
  }
  return request;
}

function readInput(input: unknown): EmbeddingsInput {
  const wanted = "'input' is required: a string, an array of strings, an array of token ids or an array of token-id arrays";
  if (typeof input === 'string') {
    if (input === '') throw new ProtocolDecodeError("'input' must not be an empty string", 'input');
    return { kind: 'text', texts: [input] };
  }
  if (!Array.isArray(input) || input.length === 0) throw new ProtocolDecodeError(wanted, 'input');
  if (input.length > MAX_EMBEDDINGS_INPUTS) throw new ProtocolDecodeError(`'input' holds ${input.length} items; at most ${MAX_EMBEDDINGS_INPUTS} per request`, 'input');
  const first = input[0];
  if (typeof first === 'string') {
    input.forEach((item, i) => {
      if (typeof item !== 'string' || item === '') throw new ProtocolDecodeError("'input' items must all be non-empty strings", `input[${i}]`);
    });
    return { kind: 'text', texts: input as string[] };
  }
  if (typeof first === 'number') return { kind: 'tokens', tokens: [tokenIds(input, 'input')] };
  if (Array.isArray(first)) return { kind: 'tokens', tokens: input.map((item, i) => tokenIds(item, `input[${i}]`)) };
  throw new ProtocolDecodeError(wanted, 'input[0]');
}

function tokenIds(value: unknown, param: string): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new ProtocolDecodeError(`${param} must be a non-empty array of token ids`, param);
  for (const id of value) if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new ProtocolDecodeError(`${param} must hold only non-negative integer token ids`, param);
  return value as number[];
}
