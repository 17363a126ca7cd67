/**
 * What the one request pipeline (handle-model-request.ts) needs to know about the protocol a client
 * speaks: how to check its body before routing, where a preset's system prompt goes, its error envelope
 * and in-band stream error, and, when an upstream type speaks the same protocol, how its answers are relayed
 * untouched. One descriptor per protocol: openai-chat-client.ts, anthropic-messages-client.ts,
 * openai-responses-client.ts, openai-embeddings-client.ts.
 */
import type { BundleProvider } from '../../bundle/format.js';
import type { ClientProtocol, ErrorKind, UpstreamType } from '../../protocols/index.js';
import type { RequestTarget } from '../policy/request-target.js';
import type { ErrorEnvelope } from './error-envelope.js';
import type { GatewayError } from './openai-errors.js';

/** How answers of an upstream that speaks the client's own protocol are relayed. */
export interface NativeRelay {
  /** The upstream type whose wire format is this protocol: its candidates get the client's bytes. */
  upstream: UpstreamType;
  /**
   * The provider flag that says an upstream of that type speaks this protocol too (`responses` on an
   * `openai` provider); absent: every upstream of the type does.
   */
  optIn?: 'responses';
  /** The endpoint below the provider's base path, when it is not the upstream type's own (`/responses`). */
  path?: string;
  /** Client request headers (lowercase) relayed to such an upstream, e.g. `anthropic-beta`. */
  relayedHeaders: readonly string[];
  /** How the protocol's last stream events begin: a relayed stream that ends otherwise was cut. */
  streamTerminals: readonly string[];
  /** How the upstream's own in-band error events begin (the client has the error then; none is added). */
  streamErrorMarkers?: readonly string[];
  /** Events an upstream may send after its last one that say nothing of how it ended (`data: [DONE]` after a Responses stream). */
  streamTrailers?: readonly string[];
  /**
   * The in-band error event that ends a relayed stream cut after `relayedEvents` events, when it differs from
   * `streamErrorEvent` (which opens a stream of its own); the upstream's start already reached the client.
   */
  streamCutEvent?(error: { message: string; kind: ErrorKind }, model: string, relayedEvents: number): string;
  /** Rewrite `model` in relayed answers to the catalog id (as OpenRouter does, and as `x-anyrouter-model` says); off means byte for byte. */
  renamesModel: boolean;
  /**
   * Where the answer's own `model` member sits, when other `model` members can hold the upstream's data
   * (an Anthropic tool input is an object): only members at this nesting are renamed. Absent: every one.
   */
  modelMemberDepth?: { json: number; stream: number };
  /** The usage field that counts output tokens in a JSON answer (for throughput stats). */
  outputTokensField: string;
  /**
   * Set when only such upstreams can take the request (it has no translation: `/responses/input_tokens`,
   * `/responses/compact`); other candidates are left out. `whenNone` answers a request whose models have
   * none: the gateway's refusal, or its own answer (JSON text and the headers that say what it is).
   */
  only?: { whenNone(body: Readonly<Record<string, unknown>>, target: RequestTarget): GatewayError | GatewayAnswer };
}

/** The provider speaks the client's protocol (its type's, and the opt-in flag where the relay needs one): it gets the client's bytes. */
export function speaksNatively(native: NativeRelay | undefined, provider: Pick<BundleProvider, 'type' | 'responses'>): boolean {
  if (native?.upstream !== provider.type) return false;
  return native.optIn === undefined || provider[native.optIn] === true;
}

/** An answer the gateway makes itself (no upstream call). */
export interface GatewayAnswer {
  json: string;
  headers: Readonly<Record<string, string>>;
}

export interface ClientProtocolSpec {
  readonly protocol: ClientProtocol;
  /** Where this protocol's errors go, shape-wise. */
  readonly envelope: ErrorEnvelope;
  /** Set when an upstream type speaks this protocol natively. */
  readonly native?: NativeRelay;
  /** Checks the fields routing needs besides `model` and `stream` (e.g. `messages`, `input`). */
  checkContent(body: Readonly<Record<string, unknown>>): GatewayError | undefined;
  /** The request with a preset's system prompt first, in this protocol's place for it. */
  withSystem(body: Readonly<Record<string, unknown>>, system: string): Record<string, unknown>;
  /** The request under the field names the routing policy reads (OpenAI's: `max_tokens`, `stop`, `response_format` ...). */
  routingView(body: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** The in-band event that ends this protocol's stream with an error, when the stream is the gateway's own. */
  streamErrorEvent(error: { message: string; kind: ErrorKind }, requestId: string, model: string): string;
}
