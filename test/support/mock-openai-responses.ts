/**
 * OpenAI's Responses wire format (`POST /v1/responses`) for the mock OpenAI upstream: a response object,
 * and its stream as OpenAI sends it (`event:` lines, a rising `sequence_number`, `response.completed` last).
 * The answer is a reasoning item (with `encrypted_content`) when scripted, then a message or a function call;
 * the response echoes the request's `tools`, `metadata`, `store` and `previous_response_id` as OpenAI does.
 */
import type OpenAI from 'openai';
import { estimateTokens, isObject, randomId, splitInto } from './mock-upstream-server.js';

/** What a Responses answer can be scripted to hold (the mock OpenAI upstream's reply, read for `/responses`). */
export interface ResponsesReply {
  content?: string;
  toolCall?: { name: string; arguments: string | Record<string, unknown>; id?: string };
  /** A reasoning item first: its summary text; it carries `encrypted_content` (`enc_<random>`). */
  reasoning?: string;
  chunks?: number;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

type Item = OpenAI.Responses.ResponseOutputItem;

interface Answer {
  response: OpenAI.Responses.Response;
  /** Text (or tool arguments) split into streamed deltas. */
  deltas: string[];
}

export function responsesAnswer(body: Record<string, unknown>, reply: ResponsesReply, defaultContent: string): Answer {
  const output: Item[] = [];
  if (reply.reasoning !== undefined) {
    output.push({ type: 'reasoning', id: randomId('rs_'), summary: [{ type: 'summary_text', text: reply.reasoning }], encrypted_content: randomId('enc_', 24) });
  }
  const call = reply.toolCall;
  const text = call ? (typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments)) : (reply.content ?? defaultContent);
  if (call) output.push({ type: 'function_call', id: randomId('fc_'), call_id: call.id ?? randomId('call_'), name: call.name, arguments: text, status: 'completed' });
  else output.push({ type: 'message', id: randomId('msg_'), role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [], logprobs: [] }] });
  const input = reply.usage?.prompt_tokens ?? estimateTokens(JSON.stringify(body.input ?? ''));
  const outputTokens = reply.usage?.completion_tokens ?? estimateTokens(text);
  const response = {
    id: randomId('resp_'),
    object: 'response',
    created_at: Math.floor(Date.now() / 1000),
    status: 'completed',
    background: body.background === true,
    error: null,
    incomplete_details: null,
    instructions: typeof body.instructions === 'string' ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === 'number' ? body.max_output_tokens : null,
    model: typeof body.model === 'string' ? body.model : 'mock-model',
    output,
    parallel_tool_calls: true,
    previous_response_id: typeof body.previous_response_id === 'string' ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    store: body.store !== false,
    temperature: 1,
    text: { format: { type: 'text' } },
    tool_choice: 'auto',
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: 1,
    truncation: 'disabled',
    usage: { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: outputTokens, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + outputTokens },
    metadata: isObject(body.metadata) ? body.metadata : {},
  } as unknown as OpenAI.Responses.Response;
  return { response, deltas: splitInto(text, reply.chunks ?? 3) };
}

/**
 * The stream of an answer as OpenAI sends it, without its last event; `terminal` is `response.completed`
 * (so a cut after N events never sends it).
 */
export function responsesStream(answer: Answer): { events: string[]; terminal: string } {
  let sequence = 0;
  const events: string[] = [];
  const send = (type: string, data: Record<string, unknown>) => {
    const event = `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
    events.push(event);
    return event;
  };
  const final = answer.response;
  const pending = { ...final, status: 'in_progress', output: [], usage: null };
  send('response.created', { response: pending });
  send('response.in_progress', { response: pending });
  final.output.forEach((item, outputIndex) => {
    const at = { item_id: item.id, output_index: outputIndex };
    if (item.type === 'reasoning') {
      const summary = item.summary[0]!.text;
      send('response.output_item.added', { output_index: outputIndex, item: { type: 'reasoning', id: item.id, summary: [] } });
      send('response.reasoning_summary_part.added', { ...at, summary_index: 0, part: { type: 'summary_text', text: '' } });
      send('response.reasoning_summary_text.delta', { ...at, summary_index: 0, delta: summary });
      send('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: summary });
      send('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text: summary } });
    } else if (item.type === 'function_call') {
      send('response.output_item.added', { output_index: outputIndex, item: { ...item, arguments: '', status: 'in_progress' } });
      for (const delta of answer.deltas) send('response.function_call_arguments.delta', { ...at, delta });
      send('response.function_call_arguments.done', { ...at, name: item.name, arguments: item.arguments });
    } else if (item.type === 'message') {
      const text = (item.content[0] as OpenAI.Responses.ResponseOutputText).text;
      const part = { type: 'output_text', text: '', annotations: [], logprobs: [] };
      send('response.output_item.added', { output_index: outputIndex, item: { ...item, status: 'in_progress', content: [] } });
      send('response.content_part.added', { ...at, content_index: 0, part });
      for (const delta of answer.deltas) send('response.output_text.delta', { ...at, content_index: 0, delta, logprobs: [] });
      send('response.output_text.done', { ...at, content_index: 0, text, logprobs: [] });
      send('response.content_part.done', { ...at, content_index: 0, part: { ...part, text } });
    }
    send('response.output_item.done', { output_index: outputIndex, item });
  });
  const terminal = send('response.completed', { response: final });
  events.pop();
  return { events, terminal };
}

/** The request is a Responses request (an `input`), as OpenAI checks before answering. */
export function isResponsesRequest(body: unknown): body is Record<string, unknown> {
  return isObject(body) && (typeof body.input === 'string' || Array.isArray(body.input));
}

/**
 * What the mock keeps of the responses it made with `store` (OpenAI's default): the response and its input
 * items, by id, shared by all keys (the keys of one project). Served as OpenAI documents:
 * `GET /v1/responses/{id}`, `DELETE /v1/responses/{id}`, `GET /v1/responses/{id}/input_items` (a list page),
 * `POST /v1/responses/{id}/cancel` (a background response only); an unknown id is OpenAI's 404.
 */
export class StoredResponses {
  readonly byId = new Map<string, { response: OpenAI.Responses.Response; input: Record<string, unknown>[] }>();

  /** Keeps a response the mock answered, unless the request said `store: false`. */
  keep(body: Record<string, unknown>, response: OpenAI.Responses.Response): void {
    if (body.store === false) return;
    const raw = typeof body.input === 'string' ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: body.input }] }] : (body.input as Record<string, unknown>[]);
    const input = raw.map((item) => ({ id: typeof item.id === 'string' ? item.id : randomId('msg_'), status: 'completed', ...(item.type === undefined ? { type: 'message' } : {}), ...item }));
    this.byId.set(response.id, { response, input });
  }

  /** The answer to a stored-response route, or undefined when the path is not one. */
  answer(method: string, path: string): { status: number; body: unknown } | undefined {
    const match = /^\/v1\/responses\/([^/]+)(\/input_items|\/cancel)?$/.exec(path);
    if (match === null || match[1] === 'input_tokens' || match[1] === 'compact') return undefined;
    const [, id, action = ''] = match;
    const stored = this.byId.get(id!);
    const route = `${method} ${action}`;
    if (!['GET ', 'DELETE ', 'GET /input_items', 'POST /cancel'].includes(route)) return undefined;
    if (stored === undefined) return { status: 404, body: { error: { message: `Response with id '${id}' not found.`, type: 'invalid_request_error', param: null, code: null } } };
    if (route === 'GET ') return { status: 200, body: stored.response };
    if (route === 'DELETE ') {
      this.byId.delete(id!);
      return { status: 200, body: { id, object: 'response', deleted: true } };
    }
    if (route === 'GET /input_items') {
      const data = [...stored.input].reverse();
      return { status: 200, body: { object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: false } };
    }
    if (!stored.response.background) return { status: 400, body: { error: { message: 'Cannot cancel a synchronous response.', type: 'invalid_request_error', param: null, code: null } } };
    stored.response = { ...stored.response, status: 'cancelled' };
    return { status: 200, body: stored.response };
  }
}

/** `POST /v1/responses/input_tokens`: OpenAI's count of the request's input (here: input and instructions, characters / 4). */
export function inputTokensAnswer(body: Record<string, unknown>): { object: 'response.input_tokens'; input_tokens: number } {
  return { object: 'response.input_tokens', input_tokens: estimateTokens(JSON.stringify(body.input ?? '') + (typeof body.instructions === 'string' ? body.instructions : '')) };
}

/** `POST /v1/responses/compact`: a compaction of the conversation (one `compaction` item with opaque content), with its usage. */
export function compactAnswer(body: Record<string, unknown>): Record<string, unknown> {
  const input = estimateTokens(JSON.stringify(body.input ?? ''));
  return {
    id: randomId('resp_'),
    object: 'response.compaction',
    created_at: Math.floor(Date.now() / 1000),
    output: [{ type: 'compaction', id: randomId('cmp_'), encrypted_content: randomId('enc_', 24) }],
    usage: { input_tokens: input, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + 12 },
  };
}
