/**
 * Canonical events -> Responses SSE with OpenAI's event names and a rising `sequence_number`:
 * response.created, response.in_progress, per item output_item.added ... output_item.done, then
 * response.completed (response.incomplete for a length or content-filter stop), or response.failed.
 */
import type { CanonicalStreamEvent, CanonicalUsage, ClientToolName, JsonObject, StopReason } from '../canonical.js';
import type { StreamEncoder, StreamEncoderOptions } from '../codec.js';
import { generateId } from '../generate-id.js';
import { formatSseEvent } from '../sse/format-sse-event.js';
import { mergeUsage } from '../stream-accumulator.js';
import { freeformInput } from '../tool-names.js';
import { functionCallItem, messageItem, outputTextPart, reasoningItem, responseObject } from './responses-output-items.js';

interface TextItem {
  kind: 'message' | 'reasoning';
  id: string;
  outputIndex: number;
  text: string;
}
type OpenItem =
  | (TextItem & { kind: 'message' })
  | (TextItem & { kind: 'reasoning' })
  | { kind: 'tool'; id: string; outputIndex: number; callId: string; name: string; args: string; toolIndex: number; client?: ClientToolName };

export function createResponsesStreamEncoder(options: StreamEncoderOptions = {}): StreamEncoder {
  let sequence = 0;
  let started = false;
  let closed = false;
  let id = generateId('resp_');
  let model = options.model ?? '';
  let createdAt = Math.floor(Date.now() / 1000);
  const output: JsonObject[] = [];
  let open: OpenItem | undefined;
  let stopReason: StopReason | undefined;
  let usage: CanonicalUsage | undefined;

  const send = (type: string, data: JsonObject) => formatSseEvent({ type, sequence_number: sequence++, ...data }, type);
  const snapshot = (extra: { stopReason?: StopReason; usage?: CanonicalUsage; error?: { code: string; message: string } } = {}) =>
    responseObject({ id, model, createdAt, output, ...extra });
  const ensureStarted = () => {
    if (started) return '';
    started = true;
    return send('response.created', { response: snapshot() }) + send('response.in_progress', { response: snapshot() });
  };
  const closeItem = () => {
    const item = open;
    if (!item) return '';
    open = undefined;
    const at = { item_id: item.id, output_index: item.outputIndex };
    let out = '';
    let done: JsonObject;
    if (item.kind === 'message') {
      out += send('response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] });
      out += send('response.content_part.done', { ...at, content_index: 0, part: outputTextPart(item.text) });
      done = messageItem(item.id, [item.text], 'completed');
    } else if (item.kind === 'reasoning') {
      out += send('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: item.text });
      out += send('response.reasoning_summary_part.done', { ...at, summary_index: 0, part: { type: 'summary_text', text: item.text } });
      done = reasoningItem(item.id, item.text, 'completed');
    } else if (item.client?.freeform) {
      // a custom tool's input is free text: it goes out whole once the call is complete
      out += send('response.custom_tool_call_input.done', { ...at, input: freeformInput(item.args) });
      done = functionCallItem(item.id, item.callId, item.name, item.args, 'completed', item.client);
    } else {
      out += send('response.function_call_arguments.done', { ...at, name: item.client?.name ?? item.name, arguments: item.args });
      done = functionCallItem(item.id, item.callId, item.name, item.args, 'completed', item.client);
    }
    output[item.outputIndex] = done;
    return out + send('response.output_item.done', { output_index: item.outputIndex, item: done });
  };
  const openItem = (item: OpenItem, added: JsonObject) => {
    const out = ensureStarted() + closeItem();
    open = item;
    output[item.outputIndex] = added;
    return out + send('response.output_item.added', { output_index: item.outputIndex, item: added });
  };

  return {
    encode(event: CanonicalStreamEvent): string {
      if (closed) return '';
      switch (event.type) {
        case 'start':
          if (started) return '';
          id = event.id || id;
          model = options.model ?? event.model;
          if (event.created !== undefined) createdAt = event.created;
          return ensureStarted();
        case 'text_delta': {
          let out = '';
          let item = open;
          if (item?.kind !== 'message') {
            item = { kind: 'message', id: generateId('msg_'), outputIndex: output.length, text: '' };
            out += openItem(item, messageItem(item.id, [], 'in_progress'));
            out += send('response.content_part.added', { item_id: item.id, output_index: item.outputIndex, content_index: 0, part: outputTextPart('') });
          }
          item.text += event.text;
          return out + send('response.output_text.delta', { item_id: item.id, output_index: item.outputIndex, content_index: 0, delta: event.text, logprobs: [] });
        }
        case 'thinking_delta': {
          let out = '';
          let item = open;
          if (item?.kind !== 'reasoning') {
            item = { kind: 'reasoning', id: generateId('rs_'), outputIndex: output.length, text: '' };
            out += openItem(item, reasoningItem(item.id, '', 'in_progress'));
            out += send('response.reasoning_summary_part.added', { item_id: item.id, output_index: item.outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
          }
          item.text += event.text;
          return out + send('response.reasoning_summary_text.delta', { item_id: item.id, output_index: item.outputIndex, summary_index: 0, delta: event.text });
        }
        case 'tool_call_start': {
          const item: OpenItem = { kind: 'tool', id: generateId(event.client?.freeform ? 'ctc_' : 'fc_'), outputIndex: output.length, callId: event.id, name: event.name, args: '', toolIndex: event.index, ...(event.client ? { client: event.client } : {}) };
          return openItem(item, functionCallItem(item.id, item.callId, item.name, '', 'in_progress', item.client));
        }
        case 'tool_call_delta': {
          // items close in order here as well: a fragment for an already finished call cannot be placed
          if (open?.kind !== 'tool' || open.toolIndex !== event.index) return '';
          open.args += event.fragment;
          if (open.client?.freeform) return '';
          return send('response.function_call_arguments.delta', { item_id: open.id, output_index: open.outputIndex, delta: event.fragment });
        }
        case 'thinking_signature':
          return '';
        case 'block_stop':
          return closeItem();
        case 'finish':
          stopReason = event.stopReason;
          return '';
        case 'usage':
          usage = mergeUsage(usage ?? { inputTokens: 0, outputTokens: 0 }, event.usage);
          return '';
        case 'error': {
          closed = true;
          const out = ensureStarted() + closeItem();
          return out + send('response.failed', { response: snapshot({ stopReason: 'error', ...(usage ? { usage } : {}), error: { code: 'server_error', message: event.message } }) });
        }
        case 'end': {
          closed = true;
          const out = ensureStarted() + closeItem();
          const final = snapshot({ stopReason: stopReason ?? 'stop', usage: usage ?? { inputTokens: 0, outputTokens: 0 } });
          return out + send(final.status === 'incomplete' ? 'response.incomplete' : 'response.completed', { response: final });
        }
      }
    },
  };
}
