/** What an encoder does with the request parameters the canonical model does not hold. */
import type { CanonicalRequest, JsonObject, WireProtocol } from './canonical.js';

/**
 * The client's unknown parameters go on as they are to an upstream of the client's own protocol and are
 * listed as dropped for any other; parameters the decoder already knew it could not send are always listed.
 */
export function applyExtraParams(request: CanonicalRequest, protocol: WireProtocol, body: JsonObject, dropped: string[]): void {
  if (request.extraFrom === protocol) Object.assign(body, request.extra);
  else addDropped(dropped, ...Object.keys(request.extra));
  addDropped(dropped, ...request.unsent);
}

/** Adds names to a dropped-parameter list, each once. */
export function addDropped(dropped: string[], ...names: string[]): void {
  for (const name of names) if (!dropped.includes(name)) dropped.push(name);
}

/**
 * Encoders name what they drop in canonical terms (mostly Chat Completions' names); the client is told in
 * its own protocol's field names.
 */
const CLIENT_NAMES: Partial<Record<WireProtocol, Readonly<Record<string, string>>>> = {
  'openai-chat': { reasoning: 'reasoning_effort', thinking: 'reasoning_content' },
  'anthropic-messages': {
    user: 'metadata.user_id',
    stop: 'stop_sequences',
    response_format: 'output_config.format',
    reasoning: 'thinking',
    parallel_tool_calls: 'tool_choice.disable_parallel_tool_use',
  },
  'openai-responses': { response_format: 'text.format', reasoning: 'reasoning.effort', thinking: 'input.reasoning' },
};

export function droppedInClientTerms(dropped: readonly string[], client: WireProtocol): string[] {
  const names = CLIENT_NAMES[client];
  const out: string[] = [];
  addDropped(out, ...dropped.map((name) => names?.[name] ?? name));
  return out;
}
