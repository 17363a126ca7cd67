/**
 * The request each attempt sends, by candidate: the client's own bytes (only `model` replaced) when the
 * upstream speaks the client's protocol, otherwise the client request decoded once into the canonical
 * model and encoded in the upstream's wire format. Bodies are built once per (upstream type, model) and
 * reused across keys and retries of the same request.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { ProtocolDecodeError, protocolCodecs, type CanonicalRequest, type WireProtocol } from '../../protocols/index.js';
import type { RequestTarget } from '../policy/request-target.js';
import type { ServeCandidate, ServeKey } from '../routing-table.js';
import { upstreamAdapters } from '../upstream/upstream-adapters.js';
import { mergePreset } from './client-body.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import type { GatewayError } from './openai-errors.js';
import { withModelMember } from './served-model-name.js';

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
  const { raw, body, client, stream } = input;
  const base = mergePreset(body, input.target, client);
  const relayed = relayedHeaders(input.clientHeaders, client.native?.relayedHeaders ?? []);
  const nativeBodies = new Map<string, Buffer | string>();
  const translated = new Map<string, { body: string; dropped: string[] }>();
  let canonical: CanonicalRequest | undefined;

  const isNative = (candidate: ServeCandidate) => client.native?.upstream === candidate.provider.spec.type;

  const nativeBody = (model: string): Buffer | string => {
    if (base === undefined && body.model === model) return raw;
    let out = nativeBodies.get(model);
    if (out === undefined) {
      // the client's bytes with only `model` changed, unless a preset or a gateway field changes more
      out = (base === undefined ? withModelMember(raw, model) : undefined) ?? JSON.stringify({ ...(base ?? body), model });
      nativeBodies.set(model, out);
    }
    return out;
  };

  const translation = (candidate: ServeCandidate) => {
    const protocol = upstreamAdapters[candidate.provider.spec.type].protocol;
    const cacheKey = `${protocol}\u0000${candidate.model}`;
    let out = translated.get(cacheKey);
    if (out === undefined) {
      if (canonical === undefined) throw new Error('prepareTranslation() must succeed before a translated attempt');
      const encoded = protocolCodecs[protocol].encodeRequest({ ...canonical, model: candidate.model });
      out = { body: JSON.stringify(encoded.body), dropped: encoded.dropped };
      translated.set(cacheKey, out);
    }
    return out;
  };

  return {
    isNative,
    routeOf(candidate) {
      const native = isNative(candidate);
      return { native, protocol: upstreamAdapters[candidate.provider.spec.type].protocol, dropped: native || canonical === undefined ? [] : translation(candidate).dropped };
    },
    prepareTranslation() {
      if (canonical !== undefined) return undefined;
      try {
        canonical = protocolCodecs[client.protocol].decodeRequest({ ...(base ?? body), model: input.primaryModel });
        return undefined;
      } catch (error) {
        if (!(error instanceof ProtocolDecodeError)) throw error;
        const where = error.param !== undefined ? ` (at ${error.param})` : '';
        return { status: 400, code: 'untranslatable_request', message: `${error.message}${where}` };
      }
    },
    canonical: () => canonical,
    forAttempt(candidate, key) {
      const adapter = upstreamAdapters[candidate.provider.spec.type];
      const native = isNative(candidate);
      return {
        path: adapter.path(candidate.model, stream),
        headers: adapter.headers({ provider: candidate.provider, key, stream, relayed: native ? relayed : {} }),
        body: native ? nativeBody(candidate.model) : translation(candidate).body,
      };
    },
  };
}

function relayedHeaders(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    const text = Array.isArray(value) ? value.join(',') : value;
    if (text !== undefined && text.trim() !== '') out[name] = text.trim();
  }
  return out;
}
