/**
 * The embeddings translation: OpenAI Embeddings API requests read and checked, encoded for Gemini's
 * embedContent / batchEmbedContents (fixtures from Google's reference), Gemini's answers read back, and
 * OpenAI's answer shape with float32 little-endian base64 vectors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeGeminiEmbeddingsResponse,
  decodeOpenAIEmbeddingsRequest,
  encodeGeminiEmbeddingsRequest,
  encodeOpenAIEmbeddingsResponse,
  float32Base64,
  MAX_EMBEDDINGS_INPUTS,
  ProtocolDecodeError,
} from '../../src/protocols/index.js';
import {
  batchEmbedContentsRequest,
  batchEmbedContentsResponse,
  embedContentRequest,
  embedContentRequestWithDimensions,
  embedContentResponse,
} from './fixtures/gemini-embeddings-examples.js';

const decodeError = (body: Record<string, unknown>): ProtocolDecodeError => {
  try {
    decodeOpenAIEmbeddingsRequest(body);
  } catch (error) {
    if (error instanceof ProtocolDecodeError) return error;
    throw error;
  }
  throw new Error('expected a ProtocolDecodeError');
};

describe('OpenAI embeddings requests', () => {
  it('reads every input form, the encoding, dimensions and user, and keeps unknown members as extra', () => {
    expect(decodeOpenAIEmbeddingsRequest({ model: 'm', input: 'hi' })).toEqual({ model: 'm', input: { kind: 'text', texts: ['hi'] }, encoding: 'float', extra: {} });
    expect(decodeOpenAIEmbeddingsRequest({ model: 'm', input: ['a', 'b'], encoding_format: 'base64', dimensions: 256, user: 'u', seed: 1 })).toEqual({
      model: 'm',
      input: { kind: 'text', texts: ['a', 'b'] },
      encoding: 'base64',
      dimensions: 256,
      user: 'u',
      extra: { seed: 1 },
    });
    expect(decodeOpenAIEmbeddingsRequest({ model: 'm', input: [1, 2, 3] }).input).toEqual({ kind: 'tokens', tokens: [[1, 2, 3]] });
    expect(decodeOpenAIEmbeddingsRequest({ model: 'm', input: [[1], [2, 3]] }).input).toEqual({ kind: 'tokens', tokens: [[1], [2, 3]] });
  });

  it('refuses what OpenAI refuses, naming the parameter', () => {
    expect(decodeError({ model: 'm' }).param).toBe('input');
    expect(decodeError({ model: 'm', input: '' }).param).toBe('input');
    expect(decodeError({ model: 'm', input: [] }).param).toBe('input');
    expect(decodeError({ model: 'm', input: ['a', 2] }).param).toBe('input[1]');
    expect(decodeError({ model: 'm', input: [[1], []] }).param).toBe('input[1]');
    expect(decodeError({ model: 'm', input: [1.5] }).param).toBe('input');
    expect(decodeError({ model: 'm', input: Array.from({ length: MAX_EMBEDDINGS_INPUTS + 1 }, () => 'x') }).message).toContain(`at most ${MAX_EMBEDDINGS_INPUTS}`);
    expect(decodeError({ model: 'm', input: 'x', encoding_format: 'int8' }).param).toBe('encoding_format');
    expect(decodeError({ model: 'm', input: 'x', dimensions: 0 }).param).toBe('dimensions');
    expect(decodeError({ model: 'm', input: 'x', user: 7 }).param).toBe('user');
  });
});

describe('Gemini embeddings requests (ai.google.dev/api/embeddings)', () => {
  it('one input is an embedContent body', () => {
    const request = decodeOpenAIEmbeddingsRequest({ model: 'm', input: 'What is the meaning of life?' });
    expect(encodeGeminiEmbeddingsRequest(request, 'gemini-embedding-001')).toEqual({ batch: false, body: embedContentRequest, dropped: [] });
    const reduced = decodeOpenAIEmbeddingsRequest({ model: 'm', input: ['Hello World!'], dimensions: 10 });
    expect(encodeGeminiEmbeddingsRequest(reduced, 'gemini-embedding-001')).toEqual({ batch: false, body: embedContentRequestWithDimensions, dropped: [] });
  });

  it('several inputs are a batchEmbedContents body, each request naming the model; what Gemini has no place for is dropped', () => {
    const texts = batchEmbedContentsRequest.requests.map((r) => r.content.parts[0]!.text);
    const request = decodeOpenAIEmbeddingsRequest({ model: 'm', input: texts, user: 'u', seed: 3 });
    expect(encodeGeminiEmbeddingsRequest(request, 'gemini-embedding-001')).toEqual({ batch: true, body: batchEmbedContentsRequest, dropped: ['user', 'seed'] });
    expect(encodeGeminiEmbeddingsRequest(request, 'models/gemini-embedding-001').body).toEqual(batchEmbedContentsRequest);
  });

  it('token-id input has no Gemini form', () => {
    const request = decodeOpenAIEmbeddingsRequest({ model: 'm', input: [1, 2, 3] });
    expect(() => encodeGeminiEmbeddingsRequest(request, 'gemini-embedding-001')).toThrow(ProtocolDecodeError);
  });

  it('batches keep the inputs, in order, whatever they are', () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { minLength: 2, maxLength: 20 }), fc.option(fc.integer({ min: 1, max: 3072 }), { nil: undefined }), (texts, dimensions) => {
        const encoded = encodeGeminiEmbeddingsRequest(decodeOpenAIEmbeddingsRequest({ model: 'm', input: texts, ...(dimensions ? { dimensions } : {}) }), 'g');
        const requests = (encoded.body as { requests: Array<{ model: string; content: { parts: Array<{ text: string }> }; outputDimensionality?: number }> }).requests;
        expect(encoded.batch).toBe(true);
        expect(requests.map((r) => r.content.parts[0]!.text)).toEqual(texts);
        for (const r of requests) expect(r.model).toBe('models/g');
        for (const r of requests) expect(r.outputDimensionality).toBe(dimensions);
      }),
    );
  });
});

/** An answer's text as Google prints it (indented, numbers as written). */
const googleText = (body: unknown) => JSON.stringify(body, null, 2);

describe('Gemini embeddings answers', () => {
  it('reads embedContent and batchEmbedContents answers, each vector the text of its values, and usageMetadata when there is one', () => {
    const single = decodeGeminiEmbeddingsResponse(googleText(embedContentResponse))!;
    expect(single.vectors.map((v) => JSON.parse(v) as number[])).toEqual([embedContentResponse.embedding.values]);
    expect(single.promptTokens).toBeUndefined();
    const batch = decodeGeminiEmbeddingsResponse(googleText(batchEmbedContentsResponse))!;
    expect(batch.vectors.map((v) => JSON.parse(v) as number[])).toEqual(batchEmbedContentsResponse.embeddings.map((e) => e.values));
    const counted = decodeGeminiEmbeddingsResponse(googleText({ ...embedContentResponse, usageMetadata: { totalTokenCount: 8, promptTokenCount: 8 } }));
    expect(counted?.promptTokens).toBe(8);
  });

  it('the values come out as the upstream wrote them', () => {
    const text = '{"embedding": {"values": [ -0.0215,0.0093 , 1e-7, -2.5E+3 ]}}';
    expect(decodeGeminiEmbeddingsResponse(text)).toEqual({ vectors: ['[ -0.0215,0.0093 , 1e-7, -2.5E+3 ]'] });
  });

  it('anything else is not an embeddings answer', () => {
    for (const body of ['text', {}, { embedding: {} }, { embedding: { values: ['x'] } }, { embedding: { values: [[1]] } }, { embedding: { values: 1 } }, { candidates: [] }]) {
      expect(decodeGeminiEmbeddingsResponse(typeof body === 'string' ? body : JSON.stringify(body))).toBeUndefined();
    }
    for (const text of ['{"embedding":{"values":[1,]}}', '{"embedding":{"values":[1 2]}}', '{"embedding":{"values":[NaN]}}', '{"embedding":{"values":[1', '{"embedding":{"values" 1}}']) {
      expect(decodeGeminiEmbeddingsResponse(text)).toBeUndefined();
    }
  });

  it('any vectors, printed any way JSON allows, read back as the same numbers', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 16 }), { minLength: 1, maxLength: 5 }), fc.constantFrom(undefined, 1, 2), (vectors, indent) => {
        const text = JSON.stringify({ embeddings: vectors.map((values) => ({ values })) }, null, indent);
        const decoded = decodeGeminiEmbeddingsResponse(text)!;
        expect(decoded.vectors.map((v) => JSON.parse(v) as number[])).toEqual(vectors.map((v) => v.map((x) => (Object.is(x, -0) ? 0 : x))));
      }),
    );
  });
});

describe("OpenAI's embeddings answer", () => {
  it('lists the vectors (the upstream text, copied) with their index, the model and the usage', () => {
    const vectors = ['[-0.0215, 0.0093]', '[0.0124,-0.0301]'];
    const text = encodeOpenAIEmbeddingsResponse({ vectors, promptTokens: 21 }, 'google/gemini-embedding-001', 'float', { cost: 0.5 });
    expect(text).toContain('"embedding":[-0.0215, 0.0093]');
    expect(JSON.parse(text)).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: [-0.0215, 0.0093] },
        { object: 'embedding', index: 1, embedding: [0.0124, -0.0301] },
      ],
      model: 'google/gemini-embedding-001',
      usage: { prompt_tokens: 21, total_tokens: 21, cost: 0.5 },
    });
  });

  it('base64 is little-endian float32: known bytes', () => {
    // 1.0 = 0x3f800000, -2.0 = 0xc0000000, 0.5 = 0x3f000000, little-endian
    expect(Buffer.from(float32Base64([1, -2, 0.5]), 'base64')).toEqual(Buffer.from([0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x00, 0x00, 0x00, 0x3f]));
    const body = JSON.parse(encodeOpenAIEmbeddingsResponse({ vectors: ['[1, -2, 0.5]'], promptTokens: 1 }, 'm', 'base64')) as { data: Array<{ embedding: unknown }> };
    expect(body.data[0]!.embedding).toBe(float32Base64([1, -2, 0.5]));
  });

  it('base64 decodes to the float32 rounding of every value', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ noNaN: true, min: -1e30, max: 1e30 }), { maxLength: 64 }), (vector) => {
        const bytes = Buffer.from(float32Base64(vector), 'base64');
        expect(bytes.length).toBe(vector.length * 4);
        const back = Array.from(new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)));
        expect(back).toEqual(vector.map((v) => Math.fround(v)));
      }),
    );
  });
});
