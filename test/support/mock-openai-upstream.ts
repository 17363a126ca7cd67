/**
 * A scriptable OpenAI-compatible upstream for end-to-end tests: a real `node:http` server on
 * 127.0.0.1 that speaks OpenAI's chat-completions wire format (JSON and SSE), its Embeddings API
 * (`POST /v1/embeddings`: `mockEmbedding(i)` per input, floats or base64 float32) and, as api.openai.com,
 * its Responses format at `/v1/responses` (mock-openai-responses.ts; with `/responses/input_tokens`, `/compact`
 * and the stored-response routes `/responses/{id}`, `/input_items`, `/cancel`), records every request
 * and can misbehave on cue (error statuses, hangs, connection resets, streams cut mid-way).
 *
 *   const mock = await startMockOpenAI();
 *   mock.script([{ status: 429, headers: { 'retry-after': '1' } }, { content: 'hi' }]);
 *   // ... point the gateway at mock.url ...
 *   await mock.close();
 *
 * Behaviour choice per request: `byKey[apiKey]`, else the next scripted entry, else the default.
 * The server plumbing (recording, scripting, hangs, resets, cuts) lives in mock-upstream-server.ts.
 */
import type OpenAI from 'openai';
import {
  bearerToken,
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
  type MockBehaviours,
  type Behaviour as AnyBehaviour,
  type BehaviourFn as AnyBehaviourFn,
  type BehaviourSpec as AnyBehaviourSpec,
  type MockUpstream as AnyMockUpstream,
  type RecordedRequest as AnyRecordedRequest,
} from './mock-upstream-server.js';
import { StoredResponses, compactAnswer, inputTokensAnswer, isResponsesRequest, responsesAnswer, responsesStream } from './mock-openai-responses.js';

export type { HangBehaviour, ReceivedRequest, ResetBehaviour } from './mock-upstream-server.js';

export interface ScriptedToolCall {
  name: string;
  /** JSON text, or an object that is serialised with JSON.stringify. */
  arguments: string | Record<string, unknown>;
  id?: string;
}

/** An answer: a success (status 2xx, the default) or an error status with OpenAI's error envelope. */
export interface ReplyBehaviour extends BaseReply {
  /** Assistant text; default "Hello from the mock upstream.". */
  content?: string;
  /** Answer with a tool call instead of text (finish_reason `tool_calls`). */
  toolCall?: ScriptedToolCall;
  /** Number of content (or tool-argument) deltas when streaming; default 3. */
  chunks?: number;
  /** Override the reported token usage. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** `/v1/responses` only: a reasoning item with this summary (and an `encrypted_content`) before the answer. */
  reasoning?: string;
}

export type Behaviour = AnyBehaviour<ReplyBehaviour>;
export type BehaviourFn = AnyBehaviourFn<ReplyBehaviour>;
export type BehaviourSpec = AnyBehaviourSpec<ReplyBehaviour>;
export type RecordedRequest = AnyRecordedRequest<ReplyBehaviour>;
export type MockUpstream = AnyMockUpstream<ReplyBehaviour>;

export interface MockOpenAIOptions extends MockBehaviours<ReplyBehaviour> {
  /** Ids listed by `GET /v1/models`; default `['mock-model']`. */
  models?: string[];
}

const DEFAULT_CONTENT = 'Hello from the mock upstream.';
const DEFAULT_CHUNKS = 3;

export function startMockOpenAI(options: MockOpenAIOptions = {}): Promise<MockUpstream> {
  const models = options.models ?? ['mock-model'];
  const stored = new StoredResponses();
  return startMockServer<ReplyBehaviour>({
    ...options,
    basePath: '/v1',
    apiKeyOf: bearerToken,
    reply(request, behaviour, writer) {
      const status = behaviour.status ?? 200;
      if (status >= 400) return sendJson(writer, status, behaviour.body ?? errorEnvelope(status, behaviour.message), behaviour.headers);
      if (request.method === 'GET' && request.path === '/v1/models') return sendJson(writer, status, behaviour.body ?? modelList(models), behaviour.headers);
      if (request.method === 'POST' && request.path === '/v1/responses') {
        if (!isResponsesRequest(request.body)) return sendJson(writer, 400, errorEnvelope(400, "Missing required parameter: 'input'."));
        const answer = responsesAnswer(request.body, behaviour, DEFAULT_CONTENT);
        stored.keep(request.body, answer.response);
        if (request.body.stream !== true) return sendJsonReply(writer, status, behaviour.body ?? answer.response, behaviour);
        const { events, terminal } = responsesStream(answer);
        return streamSseReply(writer, status, events, terminal, behaviour);
      }
      if (request.method === 'POST' && request.path === '/v1/responses/input_tokens' && isObject(request.body)) return sendJsonReply(writer, status, behaviour.body ?? inputTokensAnswer(request.body), behaviour);
      if (request.method === 'POST' && request.path === '/v1/responses/compact' && isObject(request.body)) return sendJsonReply(writer, status, behaviour.body ?? compactAnswer(request.body), behaviour);
      const storedAnswer = stored.answer(request.method, request.path);
      if (storedAnswer !== undefined) return sendJson(writer, storedAnswer.status, storedAnswer.body, behaviour.headers);
      if (request.method === 'POST' && request.path === '/v1/embeddings') return sendJsonReply(writer, status, behaviour.body ?? embeddingsOf(request.body, behaviour), behaviour);
      if (request.method !== 'POST' || request.path !== '/v1/chat/completions') {
        return sendJson(writer, 404, errorEnvelope(404, `Unknown request URL: ${request.method} ${request.path}.`, 'unknown_url'));
      }
      if (!isObject(request.body)) return sendJson(writer, 400, errorEnvelope(400, 'We could not parse the JSON body of your request.'));
      const answer = buildAnswer(request.body, behaviour);
      if (request.body.stream === true) return streamSseReply(writer, status, chunksOf(answer).map(sseEvent), sseEvent('[DONE]'), behaviour);
      return sendJsonReply(writer, status, behaviour.body ?? completionOf(answer), behaviour);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Answers in OpenAI's wire format

interface Answer {
  id: string;
  created: number;
  model: string;
  content: string | null;
  toolCall: { id: string; name: string; arguments: string } | undefined;
  /** Text (or tool arguments) split into streamed deltas. */
  deltas: string[];
  includeUsage: boolean;
  usage: OpenAI.CompletionUsage;
}

function buildAnswer(body: Record<string, unknown>, behaviour: ReplyBehaviour): Answer {
  const scripted = behaviour.toolCall;
  const toolCall = scripted && {
    id: scripted.id ?? randomId('call_'),
    name: scripted.name,
    arguments: typeof scripted.arguments === 'string' ? scripted.arguments : JSON.stringify(scripted.arguments),
  };
  const content = toolCall ? null : (behaviour.content ?? DEFAULT_CONTENT);
  const output = toolCall ? toolCall.arguments : (content ?? '');
  const promptTokens = behaviour.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(body.messages ?? []));
  const completionTokens = behaviour.usage?.completion_tokens ?? estimateTokens(output);
  const streamOptions = isObject(body.stream_options) ? body.stream_options : {};
  return {
    id: randomId('chatcmpl-'),
    created: Math.floor(Date.now() / 1000),
    model: typeof body.model === 'string' ? body.model : 'mock-model',
    content,
    toolCall,
    deltas: splitInto(output, behaviour.chunks ?? DEFAULT_CHUNKS),
    includeUsage: streamOptions.include_usage === true,
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

function completionOf(answer: Answer): OpenAI.ChatCompletion {
  const { toolCall } = answer;
  const message: OpenAI.ChatCompletionMessage = { role: 'assistant', content: answer.content, refusal: null };
  if (toolCall) {
    message.tool_calls = [{ id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: toolCall.arguments } }];
  }
  return {
    id: answer.id,
    object: 'chat.completion',
    created: answer.created,
    model: answer.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toolCall ? 'tool_calls' : 'stop' }],
    usage: answer.usage,
  };
}

/** The chunks of a streamed answer, without the final `[DONE]`. */
function chunksOf(answer: Answer): OpenAI.ChatCompletionChunk[] {
  const { toolCall } = answer;
  const chunk = (choices: OpenAI.ChatCompletionChunk.Choice[], usage?: OpenAI.CompletionUsage): OpenAI.ChatCompletionChunk => ({
    id: answer.id,
    object: 'chat.completion.chunk',
    created: answer.created,
    model: answer.model,
    choices,
    ...(answer.includeUsage ? { usage: usage ?? null } : {}),
  });
  const delta = (value: OpenAI.ChatCompletionChunk.Choice.Delta, finish: OpenAI.ChatCompletionChunk.Choice['finish_reason'] = null) =>
    chunk([{ index: 0, delta: value, logprobs: null, finish_reason: finish }]);

  const chunks = toolCall
    ? [
        delta({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: toolCall.id, type: 'function', function: { name: toolCall.name, arguments: '' } }] }),
        ...answer.deltas.map((fragment) => delta({ tool_calls: [{ index: 0, function: { arguments: fragment } }] })),
        delta({}, 'tool_calls'),
      ]
    : [delta({ role: 'assistant', content: '' }), ...answer.deltas.map((text) => delta({ content: text })), delta({}, 'stop')];
  if (answer.includeUsage) chunks.push(chunk([], answer.usage));
  return chunks;
}

/** An Embeddings API answer: one `mockEmbedding(i, dimensions)` per input, as floats or little-endian float32 base64. */
function embeddingsOf(body: unknown, behaviour: ReplyBehaviour): Record<string, unknown> {
  const request = isObject(body) ? body : {};
  const input = request.input;
  const inputs = typeof input === 'string' || (Array.isArray(input) && typeof input[0] === 'number') ? [input] : Array.isArray(input) ? input : [];
  const dimensions = typeof request.dimensions === 'number' ? request.dimensions : undefined;
  const base64 = request.encoding_format === 'base64';
  const data = inputs.map((_, index) => {
    const vector = mockEmbedding(index, dimensions);
    const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
    return { object: 'embedding', index, embedding };
  });
  const promptTokens = behaviour.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(inputs));
  return { object: 'list', data, model: typeof request.model === 'string' ? request.model : 'mock-model', usage: { prompt_tokens: promptTokens, total_tokens: promptTokens } };
}

function modelList(ids: string[]): { object: 'list'; data: OpenAI.Model[] } {
  return { object: 'list', data: ids.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'mock' })) };
}

export interface OpenAIErrorEnvelope {
  error: { message: string; type: string; code: string | null; param: string | null };
}

const ERROR_KINDS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Invalid request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  402: { type: 'insufficient_quota', code: 'insufficient_quota', message: 'You exceeded your current quota.' },
  403: { type: 'permission_error', code: 'permission_denied', message: 'You are not allowed to use this model.' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  408: { type: 'timeout', code: 'timeout', message: 'Request timed out.' },
  413: { type: 'invalid_request_error', code: 'request_too_large', message: 'Request too large.' },
  422: { type: 'invalid_request_error', code: 'unprocessable_entity', message: 'Unprocessable request.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request.' },
  502: { type: 'server_error', code: 'bad_gateway', message: 'Bad gateway.' },
  503: { type: 'server_error', code: 'service_unavailable', message: 'The engine is currently overloaded, please try again later.' },
  529: { type: 'overloaded_error', code: 'overloaded', message: 'Overloaded.' },
};

export function errorEnvelope(status: number, message?: string, code?: string): OpenAIErrorEnvelope {
  const kind = ERROR_KINDS[status] ?? { type: status >= 500 ? 'server_error' : 'invalid_request_error', code: null, message: `Error ${status}.` };
  return { error: { message: message ?? kind.message, type: kind.type, code: code ?? kind.code, param: null } };
}

/** The one place an SSE event is formatted: `data: <json>\n\n`, or the `[DONE]` sentinel. */
function sseEvent(data: object | '[DONE]'): string {
  return `data: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`;
}
