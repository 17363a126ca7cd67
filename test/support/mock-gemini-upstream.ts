/**
 * A scriptable Gemini API upstream for end-to-end tests, built from the documented wire examples
 * (ai.google.dev: generateContent, streamGenerateContent, function calling, usage metadata, errors):
 *
 * - `POST /v1beta/models/{model}:generateContent`: a `GenerateContentResponse` (candidates with
 *   `content.parts` of `text` or `functionCall`, `finishReason`, `usageMetadata`, `modelVersion`, `responseId`);
 * - `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`: `data: <GenerateContentResponse>` events
 *   separated by CRLF CRLF, as Google sends them; no terminal event, the last chunk has the finishReason
 *   and the final usage;
 * - `POST /v1beta/models/{model}:embedContent` (`{content:{parts:[{text}]}, outputDimensionality}` ->
 *   `{embedding:{values}}`) and `:batchEmbedContents` (`{requests:[{model:'models/{model}', content}]}` ->
 *   `{embeddings:[{values}]}`), `mockEmbedding(i)` per input; `usageMetadata` only when `usage` is scripted;
 * - errors as `{error:{code, message, status}}` (400 INVALID_ARGUMENT, 429 RESOURCE_EXHAUSTED, 503 UNAVAILABLE ...).
 *
 * The key is read from `x-goog-api-key` (or `?key=`); the model from the path. Like the real API it
 * rejects unknown top-level fields, and a body without `contents`.
 */
import {
  estimateTokens,
  isObject,
  mockEmbedding,
  randomId,
  sendJson,
  sendJsonReply,
  splitInto,
  startMockServer,
  streamSseReply,
  type BaseReply,
  type BehaviourSpec,
  type MockBehaviours,
  type MockUpstream,
  type ReplyWriter,
} from './mock-upstream-server.js';

export interface GeminiFunctionCall {
  name: string;
  args: Record<string, unknown>;
}

export interface GeminiReply extends BaseReply {
  /** Model text; default "Hello from the mock Gemini upstream." (none when only `functionCall` is given). */
  content?: string;
  /** A `functionCall` part after the text (it arrives whole, in one chunk). */
  functionCall?: GeminiFunctionCall;
  /** Number of text chunks when streaming; default 3. */
  chunks?: number;
  /** Override the reported token counts. */
  usage?: { promptTokenCount: number; candidatesTokenCount: number };
  /** Override the finish reason (default STOP). */
  finishReason?: string;
}

export type MockGeminiUpstream = MockUpstream<GeminiReply>;

export type MockGeminiOptions = MockBehaviours<GeminiReply>;

const DEFAULT_CONTENT = 'Hello from the mock Gemini upstream.';
const DEFAULT_CHUNKS = 3;
const KNOWN_FIELDS = new Set(['contents', 'systemInstruction', 'tools', 'toolConfig', 'generationConfig', 'safetySettings', 'cachedContent']);
const ROUTE = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|embedContent|batchEmbedContents)$/;
const EMBED_FIELDS = new Set(['model', 'content', 'taskType', 'title', 'outputDimensionality']);

export function startMockGemini(options: MockGeminiOptions = {}): Promise<MockGeminiUpstream> {
  return startMockServer<GeminiReply>({
    ...options,
    basePath: '/v1beta',
    apiKeyOf: (headers, query) => headers['x-goog-api-key'] ?? query.key,
    modelOf: (path) => ROUTE.exec(path)?.[1],
    reply(request, behaviour, writer) {
      const status = behaviour.status ?? 200;
      if (status >= 400) return sendJson(writer, status, behaviour.body ?? googleError(status, behaviour.message), behaviour.headers);
      const route = ROUTE.exec(request.path);
      if (request.method !== 'POST' || !route) return sendJson(writer, 404, googleError(404, `Not found: ${request.path}`));
      if (request.apiKey === undefined) return sendJson(writer, 403, googleError(403, 'Method doesn\'t allow unregistered callers. Please use API Key.'));
      const body = request.body;
      if (!isObject(body)) return sendJson(writer, 400, googleError(400, 'Invalid JSON payload received.'));
      if (route[2] === 'embedContent' || route[2] === 'batchEmbedContents') return replyEmbeddings(writer, route[1]!, route[2] === 'batchEmbedContents', body, behaviour);
      const unknown = Object.keys(body).find((key) => !KNOWN_FIELDS.has(key));
      if (unknown !== undefined) return sendJson(writer, 400, googleError(400, `Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`));
      if (!Array.isArray(body.contents) || body.contents.length === 0) return sendJson(writer, 400, googleError(400, '* GenerateContentRequest.contents: contents is not specified'));

      const answer = buildAnswer(route[1]!, body, behaviour);
      if (route[2] === 'streamGenerateContent') {
        if (request.query.alt !== 'sse') return sendJson(writer, 400, googleError(400, 'this mock streams only with alt=sse'));
        return streamSseReply(writer, status, chunksOf(answer).map((chunk) => `data: ${JSON.stringify(chunk)}\r\n\r\n`), undefined, behaviour);
      }
      return sendJsonReply(writer, status, behaviour.body ?? responseOf(answer, answer.parts, true), behaviour);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Answers in Gemini's wire format

type Part = { text: string } | { functionCall: GeminiFunctionCall };

interface Answer {
  id: string;
  model: string;
  parts: Part[];
  textChunks: string[];
  finishReason: string;
  promptTokens: number;
  outputTokens: number;
}

function buildAnswer(model: string, body: Record<string, unknown>, behaviour: GeminiReply): Answer {
  const text = behaviour.content ?? (behaviour.functionCall ? undefined : DEFAULT_CONTENT);
  const parts: Part[] = [];
  if (text !== undefined) parts.push({ text });
  if (behaviour.functionCall) parts.push({ functionCall: behaviour.functionCall });
  return {
    id: randomId('', 11),
    model,
    parts,
    textChunks: text === undefined ? [] : splitInto(text, behaviour.chunks ?? DEFAULT_CHUNKS),
    finishReason: behaviour.finishReason ?? 'STOP',
    promptTokens: behaviour.usage?.promptTokenCount ?? estimateTokens(JSON.stringify([body.systemInstruction ?? '', body.contents])),
    outputTokens: behaviour.usage?.candidatesTokenCount ?? estimateTokens((text ?? '') + JSON.stringify(behaviour.functionCall ?? '')),
  };
}

function responseOf(answer: Answer, parts: Part[], last: boolean): Record<string, unknown> {
  const candidate: Record<string, unknown> = { content: { parts, role: 'model' }, index: 0 };
  if (last) candidate.finishReason = answer.finishReason;
  const usageMetadata: Record<string, unknown> = { promptTokenCount: answer.promptTokens, totalTokenCount: answer.promptTokens };
  if (last) {
    usageMetadata.candidatesTokenCount = answer.outputTokens;
    usageMetadata.totalTokenCount = answer.promptTokens + answer.outputTokens;
    usageMetadata.promptTokensDetails = [{ modality: 'TEXT', tokenCount: answer.promptTokens }];
  }
  return { candidates: [candidate], usageMetadata, modelVersion: answer.model, responseId: answer.id };
}

/** Text in pieces, then the function call whole; the last chunk carries finishReason and the final usage. */
function chunksOf(answer: Answer): Record<string, unknown>[] {
  const pieces: Part[][] = answer.textChunks.map((text) => [{ text }]);
  const call = answer.parts.find((p) => 'functionCall' in p);
  if (call) pieces.push([call]);
  if (pieces.length === 0) pieces.push([{ text: '' }]);
  return pieces.map((parts, i) => responseOf(answer, parts, i === pieces.length - 1));
}

// ---------------------------------------------------------------------------------------------
// Embeddings

function replyEmbeddings(writer: ReplyWriter, model: string, batch: boolean, body: Record<string, unknown>, behaviour: GeminiReply): void {
  const requests = batch ? body.requests : [body];
  if (!Array.isArray(requests) || requests.length === 0) return sendJson(writer, 400, googleError(400, '* BatchEmbedContentsRequest.requests: requests is not specified'));
  const embeddings: Array<{ values: number[] }> = [];
  for (const [i, request] of requests.entries()) {
    if (!isObject(request)) return sendJson(writer, 400, googleError(400, 'Invalid JSON payload received.'));
    const unknown = Object.keys(request).find((key) => !EMBED_FIELDS.has(key));
    if (unknown !== undefined) return sendJson(writer, 400, googleError(400, `Invalid JSON payload received. Unknown name "${unknown}": Cannot find field.`));
    if (batch && request.model !== `models/${model}`) return sendJson(writer, 400, googleError(400, `Model name in request ${i} must match the model in the URL: models/${model}`));
    const parts = isObject(request.content) ? request.content.parts : undefined;
    if (!Array.isArray(parts) || parts.length === 0 || !parts.every((p) => isObject(p) && typeof p.text === 'string')) {
      return sendJson(writer, 400, googleError(400, '* EmbedContentRequest.content: contents is not specified'));
    }
    const dimensions = typeof request.outputDimensionality === 'number' ? request.outputDimensionality : undefined;
    embeddings.push({ values: mockEmbedding(i, dimensions) });
  }
  const answer: Record<string, unknown> = batch ? { embeddings } : { embedding: embeddings[0] };
  if (behaviour.usage) answer.usageMetadata = { promptTokenCount: behaviour.usage.promptTokenCount, totalTokenCount: behaviour.usage.promptTokenCount };
  return sendJsonReply(writer, 200, behaviour.body ?? answer, behaviour);
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface GoogleErrorEnvelope {
  error: { code: number; message: string; status: string };
}

const STATUS_NAMES: Record<number, { status: string; message: string }> = {
  400: { status: 'INVALID_ARGUMENT', message: 'Request contains an invalid argument.' },
  403: { status: 'PERMISSION_DENIED', message: 'The caller does not have permission.' },
  404: { status: 'NOT_FOUND', message: 'Requested entity was not found.' },
  429: { status: 'RESOURCE_EXHAUSTED', message: 'Resource has been exhausted (e.g. check quota).' },
  500: { status: 'INTERNAL', message: 'An internal error has occurred.' },
  503: { status: 'UNAVAILABLE', message: 'The model is overloaded. Please try again later.' },
  504: { status: 'DEADLINE_EXCEEDED', message: 'Deadline exceeded.' },
};

export function googleError(status: number, message?: string): GoogleErrorEnvelope {
  const kind = STATUS_NAMES[status] ?? { status: status >= 500 ? 'INTERNAL' : 'INVALID_ARGUMENT', message: `Error ${status}.` };
  return { error: { code: status, message: message ?? kind.message, status: kind.status } };
}
