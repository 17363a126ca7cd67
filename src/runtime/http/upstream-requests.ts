/**
 * The request each attempt sends, by candidate: the client's own bytes (only `model` replaced) when the
 * upstream speaks the client's protocol, otherwise the client request decoded once into the canonical
 * model and encoded in the upstream's wire format. Bodies are built once per (upstream type, model) and
 * reused across keys and retries of the same request. Embeddings requests have their own (embeddings-requests.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ProtocolDecodeError, protocolCodecs, type CanonicalRequest, type ChatProtocol, type EmbeddingsRequest, type WireProtocol } from '../../protocols/index.js';
import { droppedInClientTerms } from '../../protocols/extra-params.js';
import { clientToolNames, type ClientToolNames } from '../../protocols/tool-names.js';
import type { RequestTarget } from '../policy/request-target.js';
import type { ServeCandidate, ServeKey } from '../routing-table.js';
import { upstreamAdapters } from '../upstream/upstream-adapters.js';
import { mergePreset } from './client-body.js';
import { speaksNatively, type ClientProtocolSpec } from './client-protocol.js';
import type { GatewayError } from './openai-errors.js';
import { EmbeddingsRequests } from './embeddings-requests.js';
import { NativeBodies } from './native-bodies.js';

export interface UpstreamRequest {
  /** Below the provider's base path. */
  path: string;
  headers: Record<string, string>;
  body: Buffer | string;
}

/** How a candidate is spoken to. */
export interface UpstreamRoute {
  /** The upstream speaks the client's protocol: bytes go out and come back untouched. */
  native: boolean;
  /** The upstream's wire protocol (what its answers are decoded from when not native). */
  protocol: WireProtocol;
  /** Request parameters the upstream's format cannot express (translated requests only). */
  dropped: readonly string[];
}

export interface UpstreamRequests {
  /** The candidate's upstream speaks the client's protocol. */
  isNative(candidate: ServeCandidate): boolean;
  routeOf(candidate: ServeCandidate): UpstreamRoute;
  /**
   * Decodes the client request for the candidates that need a translation. Returns why it cannot be
   * translated (a 400 for those candidates), or undefined when it can.
   */
  prepareTranslation(): GatewayError | undefined;
  forAttempt(candidate: ServeCandidate, key: ServeKey): UpstreamRequest;
  /** The decoded client request, once `prepareTranslation()` succeeded. */
  canonical(): CanonicalRequest | undefined;
  /** The decoded request's tools that the client names otherwise than upstreams do, for translated answers. */
  clientToolNames(): ClientToolNames | undefined;
  /** The decoded embeddings request (an embeddings client's, once `prepareTranslation()` succeeded). */
  embeddings(): EmbeddingsRequest | undefined;
}

export interface UpstreamRequestsInput {
  raw: Buffer;
  body: Record<string, unknown>;
  target: RequestTarget;
  client: ClientProtocolSpec;
  clientHeaders: IncomingHttpHeaders;
  stream: boolean;
  /** The catalog id of the primary model, the `model` of the decoded request. */
  primaryModel: string;
}

export function createUpstreamRequests(input: UpstreamRequestsInput): UpstreamRequests {
  const protocol = input.client.protocol;
  return protocol === 'openai-embeddings' ? new EmbeddingsRequests(input) : new RequestBodies(input, protocol);
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** One request's upstream bodies: a class rather than closures, and its caches made only when a body differs from the client's. */
class RequestBodies implements UpstreamRequests {
  private readonly raw: Buffer;
  private readonly body: Record<string, unknown>;
  private readonly client: ClientProtocolSpec;
  private readonly protocol: ChatProtocol;
  private readonly stream: boolean;
  private readonly primaryModel: string;
  /** The body with the preset merged in and the gateway's fields removed; undefined when that changes nothing. */
  private readonly base: Record<string, unknown> | undefined;
  /** Client headers a native upstream gets (Anthropic's version and betas). */
  private readonly relayed: Record<string, string>;
  private nativeBodies: NativeBodies | undefined;
  private translated: Map<string, { body: string; dropped: string[] }> | undefined;
  private decoded: CanonicalRequest | undefined;

  constructor(input: UpstreamRequestsInput, protocol: ChatProtocol) {
    this.raw = input.raw;
    this.body = input.body;
    this.client = input.client;
    this.protocol = protocol;
    this.stream = input.stream;
    this.primaryModel = input.primaryModel;
    this.base = mergePreset(input.body, input.target, input.client);
    const names = input.client.native?.relayedHeaders;
    this.relayed = names === undefined || names.length === 0 ? (NO_HEADERS as Record<string, string>) : relayedHeaders(input.clientHeaders, names);
  }

  isNative(candidate: ServeCandidate): boolean {
    return speaksNatively(this.client.native, candidate.provider.spec);
  }

  routeOf(candidate: ServeCandidate): UpstreamRoute {
    const native = this.isNative(candidate);
    return { native, protocol: upstreamAdapters[candidate.provider.spec.type].protocol, dropped: native || this.decoded === undefined ? NO_PARAMS_DROPPED : this.translation(candidate).dropped };
  }

  prepareTranslation(): GatewayError | undefined {
    if (this.decoded !== undefined) return undefined;
    try {
      this.decoded = protocolCodecs[this.protocol].decodeRequest({ ...(this.base ?? this.body), model: this.primaryModel });
      return undefined;
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      const where = error.param !== undefined ? ` (at ${error.param})` : '';
      return { status: 400, code: 'untranslatable_request', message: `${error.message}${where}` };
    }
  }

  canonical(): CanonicalRequest | undefined {
    return this.decoded;
  }

  clientToolNames(): ClientToolNames | undefined {
    return this.decoded === undefined ? undefined : clientToolNames(this.decoded.tools);
  }

  embeddings(): undefined {
    return undefined;
  }

  forAttempt(candidate: ServeCandidate, key: ServeKey): UpstreamRequest {
    const adapter = upstreamAdapters[candidate.provider.spec.type];
    const native = this.isNative(candidate);
    return {
      path: (native ? this.client.native!.path : undefined) ?? adapter.path(candidate.model, this.stream),
      headers: adapter.headers({ provider: candidate.provider, key, stream: this.stream, relayed: native ? this.relayed : (NO_HEADERS as Record<string, string>) }),
      body: native ? this.nativeBody(candidate.model) : this.translation(candidate).body,
    };
  }

  /** The client's bytes as they are (the common request: nothing made), else a body made once per model. */
  private nativeBody(model: string): Buffer | string {
    if (this.base === undefined && this.body.model === model) return this.raw;
    return (this.nativeBodies ??= new NativeBodies(this.raw, this.body, this.base)).of(model);
  }

  private translation(candidate: ServeCandidate): { body: string; dropped: string[] } {
    const protocol = upstreamAdapters[candidate.provider.spec.type].protocol;
    const cacheKey = `${protocol}\u0000${candidate.model}`;
    this.translated ??= new Map();
    let out = this.translated.get(cacheKey);
    if (out === undefined) {
      if (this.decoded === undefined) throw new Error('prepareTranslation() must succeed before a translated attempt');
      const encoded = protocolCodecs[protocol].encodeRequest({ ...this.decoded, model: candidate.model });
      out = { body: JSON.stringify(encoded.body), dropped: droppedInClientTerms(encoded.dropped, this.protocol) };
      this.translated.set(cacheKey, out);
    }
    return out;
  }
}

/** Shared by routes that drop nothing (never written to). */
const NO_PARAMS_DROPPED: readonly string[] = Object.freeze([]);

/** The client's headers of those `names` (lowercase) that it sent, trimmed; repeated ones joined with commas. */
export function relayedHeaders(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  // most requests send none of them: no record is made then
  let out: Record<string, string> | undefined;
  for (const name of names) {
    const value = headers[name];
    if (value === undefined) continue;
    const text = (Array.isArray(value) ? value.join(',') : value).trim();
    if (text !== '') (out ??= {})[name] = text;
  }
  return out ?? (NO_HEADERS as Record<string, string>);
}
