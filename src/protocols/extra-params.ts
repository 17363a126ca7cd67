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
