/** Builders for Responses output items and the response object, shared by the JSON and the stream encoders. */
import type { AssistantContentPart, CanonicalUsage, ClientToolName, JsonObject, StopReason } from '../canonical.js';
import { generateId } from '../generate-id.js';
import { freeformInput } from '../tool-names.js';
import { statusForStopReason } from './responses-status.js';
import { usageToResponses } from './responses-usage.js';

export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';

export function messageItem(id: string, texts: string[], status: ItemStatus): JsonObject {
  return { id, type: 'message', status, role: 'assistant', content: texts.map(outputTextPart) };
}

export function outputTextPart(text: string): JsonObject {
  return { type: 'output_text', text, annotations: [], logprobs: [] };
}

/**
 * A tool call item: `function_call`, or under the client's own name for a tool it named otherwise (a
 * function in a namespace; a `custom_tool_call` with the free text for a custom tool).
 */
export function functionCallItem(id: string, callId: string, name: string, args: string, status: ItemStatus, client?: ClientToolName): JsonObject {
  if (client === undefined) return { id, type: 'function_call', status, call_id: callId, name, arguments: args };
  const namespace = client.namespace === undefined ? {} : { namespace: client.namespace };
  if (client.freeform) return { id, type: 'custom_tool_call', status, call_id: callId, name: client.name, ...namespace, input: status === 'completed' ? freeformInput(args) : '' };
  return { id, type: 'function_call', status, call_id: callId, name: client.name, ...namespace, arguments: args };
}

export function reasoningItem(id: string, summary: string, status: ItemStatus, encryptedContent?: string): JsonObject {
  const item: JsonObject = { id, type: 'reasoning', summary: summary === '' ? [] : [{ type: 'summary_text', text: summary }] };
  if (status !== 'completed') item.status = status;
  if (encryptedContent !== undefined) item.encrypted_content = encryptedContent;
  return item;
}

/** Output items for canonical content: consecutive text parts share one message item. */
export function outputItemsFor(content: AssistantContentPart[]): JsonObject[] {
  const items: JsonObject[] = [];
  let message: JsonObject[] | undefined;
  for (const part of content) {
    if (part.type === 'text') {
      if (!message) {
        message = [];
        items.push({ ...messageItem(generateId('msg_'), [], 'completed'), content: message });
      }
      message.push(outputTextPart(part.text));
      continue;
    }
    message = undefined;
    if (part.type === 'tool_call') items.push(functionCallItem(generateId(part.client?.freeform ? 'ctc_' : 'fc_'), part.id, part.name, part.arguments, 'completed', part.client));
    else items.push(reasoningItem(generateId('rs_'), part.text, 'completed', part.origin === 'openai-responses' ? part.signature : undefined));
  }
  return items;
}

export interface ResponseObjectFields {
  id: string;
  model: string;
  createdAt: number;
  output: JsonObject[];
  /** `undefined` while the response is still in progress. */
  stopReason?: StopReason;
  usage?: CanonicalUsage;
  error?: { code: string; message: string };
}

export function responseObject(fields: ResponseObjectFields): JsonObject {
  const { status, incompleteDetails } = fields.stopReason === undefined ? { status: 'in_progress', incompleteDetails: null } : statusForStopReason(fields.stopReason);
  return {
    id: fields.id,
    object: 'response',
    created_at: fields.createdAt,
    status: fields.error ? 'failed' : status,
    error: fields.error ?? null,
    incomplete_details: incompleteDetails,
    instructions: null,
    metadata: {},
    model: fields.model,
    output: fields.output,
    parallel_tool_calls: true,
    temperature: null,
    tool_choice: 'auto',
    tools: [],
    top_p: null,
    usage: fields.usage ? usageToResponses(fields.usage) : null,
  };
}
