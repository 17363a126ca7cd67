/** Folds canonical stream events into a canonical response: how a non-streaming answer is built from a stream. */
import type { AssistantContentPart, CanonicalResponse, CanonicalStreamEvent, CanonicalUsage, StopReason, ThinkingPart, ToolCallPart } from './canonical.js';

export class StreamAccumulator {
  private id = '';
  private model = '';
  private created: number | undefined;
  private readonly content: AssistantContentPart[] = [];
  private readonly toolCalls = new Map<number, ToolCallPart>();
  /** The part the next text or thinking delta continues, if any. */
  private open: AssistantContentPart | undefined;
  private stopReason: StopReason | undefined;
  private stopSequence: string | undefined;
  private usage: CanonicalUsage = { inputTokens: 0, outputTokens: 0 };
  /** The message of the stream's `error` event, when it failed. */
  error: string | undefined;
  ended = false;

  push(event: CanonicalStreamEvent): void {
    switch (event.type) {
      case 'start':
        this.id = event.id;
        this.model = event.model;
        this.created = event.created;
        return;
      case 'text_delta': {
        const open = this.open;
        if (open?.type === 'text') open.text += event.text;
        else this.openPart({ type: 'text', text: event.text });
        return;
      }
      case 'thinking_delta': {
        const open = this.open;
        if (open?.type === 'thinking') open.text += event.text;
        else this.openPart({ type: 'thinking', text: event.text });
        return;
      }
      case 'thinking_signature': {
        const open = this.open;
        const part: ThinkingPart = open?.type === 'thinking' ? open : { type: 'thinking', text: '' };
        if (part !== open) this.openPart(part);
        part.signature = (part.signature ?? '') + event.signature;
        if (event.origin) part.origin = event.origin;
        return;
      }
      case 'tool_call_start': {
        const part: ToolCallPart = { type: 'tool_call', id: event.id, name: event.name, arguments: '' };
        if (event.signature !== undefined) part.signature = event.signature;
        if (event.client !== undefined) part.client = event.client;
        this.toolCalls.set(event.index, part);
        this.openPart(part);
        return;
      }
      case 'tool_call_delta': {
        let part = this.toolCalls.get(event.index);
        if (!part) {
          part = { type: 'tool_call', id: '', name: '', arguments: '' };
          this.toolCalls.set(event.index, part);
          this.openPart(part);
        }
        part.arguments += event.fragment;
        return;
      }
      case 'block_stop':
        this.open = undefined;
        return;
      case 'finish':
        this.stopReason = event.stopReason;
        this.stopSequence = event.stopSequence;
        return;
      case 'usage':
        this.usage = mergeUsage(this.usage, event.usage);
        return;
      case 'error':
        this.error = event.message;
        this.stopReason = 'error';
        return;
      case 'end':
        this.ended = true;
        return;
    }
  }

  result(): CanonicalResponse {
    const hasToolCalls = this.content.some((part) => part.type === 'tool_call');
    const response: CanonicalResponse = {
      id: this.id,
      model: this.model,
      content: this.content,
      stopReason: this.stopReason ?? (hasToolCalls ? 'tool_calls' : 'stop'),
      usage: this.usage,
    };
    if (this.created !== undefined) response.created = this.created;
    if (this.stopSequence !== undefined) response.stopSequence = this.stopSequence;
    return response;
  }

  private openPart(part: AssistantContentPart): void {
    this.content.push(part);
    this.open = part;
  }
}

/** Field-by-field merge of a usage snapshot onto what is known so far. */
export function mergeUsage(base: CanonicalUsage, update: Partial<CanonicalUsage>): CanonicalUsage {
  const merged: CanonicalUsage = { ...base };
  for (const key of ['inputTokens', 'outputTokens', 'cacheReadTokens', 'cacheWriteTokens', 'reasoningTokens'] as const) {
    const value = update[key];
    if (value !== undefined) merged[key] = value;
  }
  return merged;
}

export function accumulateStream(events: Iterable<CanonicalStreamEvent>): CanonicalResponse {
  const accumulator = new StreamAccumulator();
  for (const event of events) accumulator.push(event);
  return accumulator.result();
}
