/** fast-check generators of canonical conversations, answers and their streamed form. */
import fc from 'fast-check';
import type { AssistantContentPart, CanonicalMessage, CanonicalRequest, CanonicalResponse, CanonicalStreamEvent, CanonicalTool } from '../../../src/protocols/index.js';

const text = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 });
const name = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,15}$/);
const callId = fc.stringMatching(/^call_[a-zA-Z0-9]{6,12}$/);
const jsonKey = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
/** Tool arguments: a JSON object, as models produce them. */
export const toolArguments = fc.dictionary(jsonKey, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).map((args) => JSON.stringify(args));

const toolCall = fc.record({ id: callId, name, arguments: toolArguments, result: text });

const turn = fc.record({
  assistantText: fc.option(text, { nil: undefined }),
  calls: fc.array(toolCall, { maxLength: 3 }),
  followUp: fc.option(text, { nil: undefined }),
});

const tool: fc.Arbitrary<CanonicalTool> = fc.record({
  name,
  description: text,
  parameters: fc.constant({ type: 'object', properties: { q: { type: 'string' } }, required: ['q'] }),
});

export const canonicalRequest: fc.Arbitrary<CanonicalRequest> = fc
  .record({ model: name, system: fc.array(text, { maxLength: 2 }), first: text, turns: fc.array(turn, { maxLength: 3 }), tools: fc.uniqueArray(tool, { selector: (t) => t.name, maxLength: 3 }) })
  .map(({ model, system, first, turns, tools }) => {
    const messages: CanonicalMessage[] = [{ role: 'user', content: [{ type: 'text', text: first }] }];
    const seen = new Set<string>();
    for (const t of turns) {
      const calls = t.calls.filter((c) => !seen.has(c.id) && seen.add(c.id));
      const content: AssistantContentPart[] = [];
      if (t.assistantText !== undefined || calls.length === 0) content.push({ type: 'text', text: t.assistantText ?? 'ok' });
      for (const c of calls) content.push({ type: 'tool_call', id: c.id, name: c.name, arguments: c.arguments });
      messages.push({ role: 'assistant', content });
      if (calls.length > 0) messages.push({ role: 'tool', content: calls.map((c) => ({ type: 'tool_result', toolCallId: c.id, content: [{ type: 'text', text: c.result }] })) });
      if (t.followUp !== undefined || calls.length > 0) messages.push({ role: 'user', content: [{ type: 'text', text: t.followUp ?? 'go on' }] });
    }
    return {
      model,
      system: system.map((s) => ({ type: 'text' as const, text: s })),
      messages,
      tools,
      stopSequences: [],
      stream: false,
      includeUsage: false,
      extra: {},
      unsent: [],
      extraFrom: 'openai-chat' as const,
    };
  });

export const canonicalResponse: fc.Arbitrary<CanonicalResponse> = fc
  .record({
    id: fc.stringMatching(/^msg_[a-zA-Z0-9]{8}$/),
    model: name,
    parts: fc.array(fc.oneof(text.map((t) => ({ type: 'text' as const, text: t })), toolCall.map(({ id, name, arguments: args }) => ({ type: 'tool_call' as const, id, name, arguments: args }))), { minLength: 1, maxLength: 4 }),
    plainStop: fc.constantFrom('stop' as const, 'length' as const, 'content_filter' as const),
    inputTokens: fc.nat({ max: 100_000 }),
    cached: fc.nat({ max: 1000 }),
    outputTokens: fc.nat({ max: 10_000 }),
  })
  .map(({ id, model, parts, plainStop, inputTokens, cached, outputTokens }) => {
    const ids = new Set<string>();
    const content = parts.filter((p) => p.type !== 'tool_call' || (!ids.has(p.id) && ids.add(p.id)));
    const hasCalls = content.some((p) => p.type === 'tool_call');
    return {
      id,
      model,
      content,
      stopReason: hasCalls ? ('tool_calls' as const) : plainStop,
      usage: { inputTokens: inputTokens + cached, outputTokens, cacheReadTokens: cached },
    };
  });

/** Cuts a string into 1..4 non-empty pieces at code point boundaries. */
function split(value: string, cuts: number[]): string[] {
  const points = Array.from(value);
  const at = [...new Set(cuts.map((c) => Math.floor(c * points.length)))].filter((p) => p > 0 && p < points.length).sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const point of [...at, points.length]) {
    pieces.push(points.slice(from, point).join(''));
    from = point;
  }
  return pieces;
}

const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 });

/** A response as a stream of canonical events, its text and arguments cut into random deltas. */
export const streamedResponse: fc.Arbitrary<{ response: CanonicalResponse; events: CanonicalStreamEvent[] }> = fc
  .tuple(canonicalResponse, fc.infiniteStream(cuts))
  .map(([response, cutStream]) => {
    const events: CanonicalStreamEvent[] = [{ type: 'start', id: response.id, model: response.model }];
    let index = 0;
    for (const part of response.content) {
      if (part.type === 'text') for (const piece of split(part.text, cutStream.next().value)) events.push({ type: 'text_delta', text: piece });
      else if (part.type === 'tool_call') {
        const i = index++;
        events.push({ type: 'tool_call_start', index: i, id: part.id, name: part.name });
        for (const piece of split(part.arguments, cutStream.next().value)) events.push({ type: 'tool_call_delta', index: i, fragment: piece });
      }
      events.push({ type: 'block_stop' });
    }
    events.push({ type: 'finish', stopReason: response.stopReason }, { type: 'usage', usage: response.usage }, { type: 'end' });
    return { response, events };
  });

/** Byte positions (as fractions) at which to cut an SSE body into network chunks. */
export const byteCuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 });
