/**
 * Tools a Responses client names in ways other protocols cannot (a function inside a `namespace`, a
 * `custom` free-text tool) travel as plain functions under a flat name; this module makes those names
 * and gives an answer's tool calls their client names back, JSON and stream alike.
 */
import type { CanonicalResponse, CanonicalStreamEvent, CanonicalTool, ClientToolName } from './canonical.js';

/** Between a namespace and a function name: both are `[A-Za-z0-9_-]`, so a flat name stays valid everywhere. */
export const NAMESPACE_SEPARATOR = '__';

export function flatToolName(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}${NAMESPACE_SEPARATOR}${name}`;
}

/** The JSON Schema a free-text (`custom`) tool gets as a function: one string argument, `input`. */
export function freeformParameters(description: string): Record<string, unknown> {
  return { type: 'object', properties: { input: { type: 'string', description } }, required: ['input'], additionalProperties: false };
}

/** A free-text call's input: the `input` of its arguments object (the whole text when the model wrote no JSON). */
export function freeformInput(args: string): string {
  try {
    const parsed = JSON.parse(args) as unknown;
    if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { input?: unknown }).input === 'string') return (parsed as { input: string }).input;
  } catch {
    // not JSON: the model wrote the input itself
  }
  return args;
}

export type ClientToolNames = ReadonlyMap<string, ClientToolName>;

/** Flat name -> client name, for the tools of a request that have one; `undefined` when none does. */
export function clientToolNames(tools: readonly CanonicalTool[]): ClientToolNames | undefined {
  let names: Map<string, ClientToolName> | undefined;
  for (const tool of tools) if (tool.client !== undefined) (names ??= new Map()).set(tool.name, tool.client);
  return names;
}

/** Marks an answer's calls of renamed tools with their client names (in place). */
export function restoreClientToolNames(response: CanonicalResponse, names: ClientToolNames | undefined): void {
  if (names === undefined) return;
  for (const part of response.content) {
    if (part.type !== 'tool_call') continue;
    const client = names.get(part.name);
    if (client !== undefined) part.client = client;
  }
}

/** The same for a stream event: a `tool_call_start` of a renamed tool carries its client name. */
export function withClientToolName(event: CanonicalStreamEvent, names: ClientToolNames | undefined): CanonicalStreamEvent {
  if (names === undefined || event.type !== 'tool_call_start') return event;
  const client = names.get(event.name);
  return client === undefined ? event : { ...event, client };
}
