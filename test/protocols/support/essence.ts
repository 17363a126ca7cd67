/**
 * What must survive a translation, with the incidental differences between protocols taken out:
 * adjacent messages of one role merge, adjacent texts join, tool arguments compare as JSON values,
 * and tool call ids become ordinals (Gemini has no ids; the gateway makes new ones).
 */
import type { CanonicalRequest, CanonicalResponse, ContentPart } from '../../../src/protocols/index.js';

type Item = { text: string } | { call: number; name: string; args: unknown } | { result: number; text: string };

export function requestEssence(request: CanonicalRequest) {
  const ordinals = new Map<string, number>();
  const ordinal = (id: string) => {
    if (!ordinals.has(id)) ordinals.set(id, ordinals.size);
    return ordinals.get(id)!;
  };
  const turns: Array<{ role: string; items: Item[] }> = [];
  for (const message of request.messages) {
    const role = message.role;
    let turn = turns[turns.length - 1];
    if (!turn || turn.role !== role) turns.push((turn = { role, items: [] }));
    for (const part of message.content) {
      if (part.type === 'text') pushText(turn.items, part.text);
      else if (part.type === 'tool_call') turn.items.push({ call: ordinal(part.id), name: part.name, args: JSON.parse(part.arguments) });
      else if (part.type === 'tool_result') turn.items.push({ result: ordinal(part.toolCallId), text: part.content.map((c) => (c.type === 'text' ? c.text : '')).join('') });
    }
  }
  return {
    system: request.system.map((p) => p.text).join('\n\n'),
    turns,
    tools: request.tools.map((t) => ({ name: t.name, description: t.description, parameters: t.parameters })),
  };
}

export function responseEssence(response: CanonicalResponse) {
  return {
    text: response.content.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join(''),
    calls: response.content.flatMap((p) => (p.type === 'tool_call' ? [{ name: p.name, args: JSON.parse(p.arguments) as unknown }] : [])),
    stopReason: response.stopReason,
    inputTokens: response.usage.inputTokens,
    outputTokens: response.usage.outputTokens,
  };
}

export function toolCallIds(value: CanonicalRequest | CanonicalResponse): string[] {
  const parts: ContentPart[] = 'messages' in value ? value.messages.flatMap((m): ContentPart[] => m.content) : value.content;
  return parts.flatMap((p) => (p.type === 'tool_call' ? [p.id] : []));
}

function pushText(items: Item[], text: string): void {
  const last = items[items.length - 1];
  if (last && 'text' in last && !('result' in last)) last.text += text;
  else items.push({ text });
}
