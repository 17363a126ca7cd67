/**
 * A scriptable Anthropic Messages upstream for end-to-end tests, built from the documented wire
 * examples (docs.anthropic.com: Messages, Streaming Messages, Errors, Token counting):
 *
 * - `POST /v1/messages`: a `message` object, or with `stream: true` the event sequence `message_start`,
 *   `content_block_start`, `ping`, `content_block_delta` (`text_delta`, `thinking_delta`, `signature_delta`,
 *   `input_json_delta`), `content_block_stop`, `message_delta` (stop_reason, usage), `message_stop`;
 * - `POST /v1/messages/count_tokens`: `{ input_tokens }`;
 * - errors in `{type:"error", error:{type, message}, request_id}` with Anthropic's statuses, 529 `overloaded_error`
 *   included, and a mid-stream `event: error`.
 *
 * Like the real API it rejects a request without `x-api-key` (401) or `anthropic-version` (400), and a body
 * without `model`, `max_tokens` or `messages` (400). Requests, headers and the bytes sent are recorded.
 */
import {
  estimateTokens,
  isObject,
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

export interface AnthropicToolUse {
  name: string;
  /** The tool input: an object, or a JSON text. */
  input: Record<string, unknown> | string;
  id?: string;
}

export interface AnthropicReply extends BaseReply {
  /** Assistant text; default "Hello from the mock Anthropic upstream." (none when only `toolUse` is given). */
  content?: string;
  /** A `tool_use` block after the text (stop_reason `tool_use`). */
  toolUse?: AnthropicToolUse;
  /** A thinking block (with a signature) before everything else. */
  thinking?: string;
  /** Number of text (or input JSON) deltas when streaming; default 3. */
  chunks?: number;
  /** Override the reported usage. */
  usage?: { input_tokens: number; output_tokens: number; cache_read_input_tokens?: number; cache_creation_input_tokens?: number };
  /** Override the stop reason. */
  stopReason?: 'end_turn' | 'max_tokens' | 'stop_sequence' | 'tool_use' | 'refusal';
  /** Error type for the envelope of an error status (default by status). */
  errorType?: string;
  /** Streaming: after this many events, send `event: error` (overloaded_error) and end the response. */
  streamErrorAfterChunks?: number;
}

export type MockAnthropicUpstream = MockUpstream<AnthropicReply>;

export type MockAnthropicOptions = MockBehaviours<AnthropicReply>;

const DEFAULT_CONTENT = 'Hello from the mock Anthropic upstream.';
const DEFAULT_CHUNKS = 3;

export function startMockAnthropic(options: MockAnthropicOptions = {}): Promise<MockAnthropicUpstream> {
  return startMockServer<AnthropicReply>({
    ...options,
    basePath: '/v1',
    apiKeyOf: (headers) => headers['x-api-key'],
    reply(request, behaviour, writer) {
      const status = behaviour.status ?? 200;
      if (status >= 400) return sendJson(writer, status, behaviour.body ?? anthropicError(status, behaviour.message, behaviour.errorType), behaviour.headers);
      if (request.method !== 'POST' || (request.path !== '/v1/messages' && request.path !== '/v1/messages/count_tokens')) {
        return sendJson(writer, 404, anthropicError(404, `Not found: ${request.method} ${request.path}`));
      }
      if (request.apiKey === undefined) return sendJson(writer, 401, anthropicError(401, 'x-api-key header is required'));
      if (request.headers['anthropic-version'] === undefined) return sendJson(writer, 400, anthropicError(400, 'anthropic-version: header is required'));
      const body = request.body;
      if (!isObject(body)) return sendJson(writer, 400, anthropicError(400, 'There was an issue with your request body: not valid JSON'));
      if (typeof body.model !== 'string') return sendJson(writer, 400, anthropicError(400, 'model: Field required'));
      if (!Array.isArray(body.messages)) return sendJson(writer, 400, anthropicError(400, 'messages: Field required'));
      if (request.path === '/v1/messages/count_tokens') {
        return sendJson(writer, 200, { input_tokens: behaviour.usage?.input_tokens ?? promptTokens(body) }, behaviour.headers);
      }
      if (typeof body.max_tokens !== 'number') return sendJson(writer, 400, anthropicError(400, 'max_tokens: Field required'));
      const answer = buildAnswer(body, behaviour);
      if (body.stream === true) return streamAnswer(writer, status, answer, behaviour);
      return sendJsonReply(writer, status, behaviour.body ?? messageOf(answer), behaviour);
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Answers in Anthropic's wire format

type Block =
  | { type: 'text'; text: string }
  | { type: 'thinking'; thinking: string; signature: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown>; inputJson: string };

interface Answer {
  id: string;
  model: string;
  blocks: Block[];
  stopReason: string;
  chunks: number;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number };
}

function buildAnswer(body: Record<string, unknown>, behaviour: AnthropicReply): Answer {
  const blocks: Block[] = [];
  if (behaviour.thinking !== undefined) blocks.push({ type: 'thinking', thinking: behaviour.thinking, signature: `sig_${randomId('', 16)}` });
  const text = behaviour.content ?? (behaviour.toolUse ? undefined : DEFAULT_CONTENT);
  if (text !== undefined) blocks.push({ type: 'text', text });
  const tool = behaviour.toolUse;
  if (tool) {
    const inputJson = typeof tool.input === 'string' ? tool.input : JSON.stringify(tool.input);
    blocks.push({ type: 'tool_use', id: tool.id ?? randomId('toolu_'), name: tool.name, input: JSON.parse(inputJson) as Record<string, unknown>, inputJson });
  }
  const output = blocks.map((b) => (b.type === 'text' ? b.text : b.type === 'thinking' ? b.thinking : b.inputJson)).join('');
  return {
    id: randomId('msg_'),
    model: typeof body.model === 'string' ? body.model : 'claude-mock',
    blocks,
    stopReason: behaviour.stopReason ?? (tool ? 'tool_use' : 'end_turn'),
    chunks: behaviour.chunks ?? DEFAULT_CHUNKS,
    usage: {
      input_tokens: behaviour.usage?.input_tokens ?? promptTokens(body),
      output_tokens: behaviour.usage?.output_tokens ?? estimateTokens(output),
      cache_read_input_tokens: behaviour.usage?.cache_read_input_tokens ?? 0,
      cache_creation_input_tokens: behaviour.usage?.cache_creation_input_tokens ?? 0,
    },
  };
}

function promptTokens(body: Record<string, unknown>): number {
  return estimateTokens(JSON.stringify([body.system ?? '', body.messages ?? [], body.tools ?? []]));
}

function contentBlock(block: Block): Record<string, unknown> {
  if (block.type === 'tool_use') return { type: 'tool_use', id: block.id, name: block.name, input: block.input };
  return block;
}

function messageOf(answer: Answer): Record<string, unknown> {
  return {
    id: answer.id,
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content: answer.blocks.map(contentBlock),
    stop_reason: answer.stopReason,
    stop_sequence: null,
    usage: answer.usage,
  };
}

/** Every event of a streamed answer but the final `message_stop`, as SSE text. */
function eventsOf(answer: Answer): string[] {
  const events: string[] = [];
  const send = (type: string, data: Record<string, unknown>) => events.push(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  send('message_start', { message: { ...messageOf(answer), content: [], stop_reason: null, usage: { ...answer.usage, output_tokens: 1 } } });
  answer.blocks.forEach((block, index) => {
    if (block.type === 'text') {
      send('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (index === 0) send('ping', {});
      for (const text of splitInto(block.text, answer.chunks)) send('content_block_delta', { index, delta: { type: 'text_delta', text } });
    } else if (block.type === 'thinking') {
      send('content_block_start', { index, content_block: { type: 'thinking', thinking: '', signature: '' } });
      if (index === 0) send('ping', {});
      for (const thinking of splitInto(block.thinking, answer.chunks)) send('content_block_delta', { index, delta: { type: 'thinking_delta', thinking } });
      send('content_block_delta', { index, delta: { type: 'signature_delta', signature: block.signature } });
    } else {
      send('content_block_start', { index, content_block: { type: 'tool_use', id: block.id, name: block.name, input: {} } });
      if (index === 0) send('ping', {});
      // the API opens the input with an empty fragment
      send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: '' } });
      for (const partial_json of splitInto(block.inputJson, answer.chunks)) send('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json } });
    }
    send('content_block_stop', { index });
  });
  send('message_delta', { delta: { stop_reason: answer.stopReason, stop_sequence: null }, usage: { output_tokens: answer.usage.output_tokens } });
  return events;
}

async function streamAnswer(writer: ReplyWriter, status: number, answer: Answer, behaviour: AnthropicReply): Promise<void> {
  const events = eventsOf(answer);
  const errorAt = behaviour.streamErrorAfterChunks;
  if (errorAt !== undefined) {
    const error = anthropicError(529, behaviour.message ?? 'Overloaded', 'overloaded_error');
    return streamSseReply(writer, status, events.slice(0, errorAt), `event: error\ndata: ${JSON.stringify(error)}\n\n`, behaviour);
  }
  return streamSseReply(writer, status, events, 'event: message_stop\ndata: {"type":"message_stop"}\n\n', behaviour);
}

// ---------------------------------------------------------------------------------------------
// Errors

export interface AnthropicErrorEnvelope {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

const ERROR_KINDS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'The requested resource could not be found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit.' },
  500: { type: 'api_error', message: 'Internal server error.' },
  504: { type: 'timeout_error', message: 'Request timed out.' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

export function anthropicError(status: number, message?: string, type?: string): AnthropicErrorEnvelope {
  const kind = ERROR_KINDS[status] ?? { type: status >= 500 ? 'api_error' : 'invalid_request_error', message: `Error ${status}.` };
  return { type: 'error', error: { type: type ?? kind.type, message: message ?? kind.message }, request_id: randomId('req_', 12) };
}
