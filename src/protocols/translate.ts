/**
 * The three calls the runtime makes when a client's protocol differs from the upstream's:
 * request out, response back, or stream back. Each is decode with one codec and encode with the other.
 */
import type { CanonicalError, CanonicalRequest, CanonicalResponse, JsonObject, WireProtocol } from './canonical.js';
import type { DecodeContext, EncodedRequest, EncodeRequestOptions, StreamEncoderOptions } from './codec.js';
import { protocolCodecs } from './protocol-registry.js';
import { droppedInClientTerms } from './extra-params.js';
import { StreamAccumulator } from './stream-accumulator.js';
import { restoreClientToolNames, withClientToolName, type ClientToolNames } from './tool-names.js';

export interface TranslatedRequest {
  canonical: CanonicalRequest;
  upstream: EncodedRequest;
}

/** Client request JSON -> upstream request (what it drops named in the client's terms). Throws `ProtocolDecodeError` (a 400) for a request it cannot read. */
export function translateRequest(from: WireProtocol, to: WireProtocol, body: unknown, options?: EncodeRequestOptions): TranslatedRequest {
  const canonical = protocolCodecs[from].decodeRequest(body);
  const upstream = protocolCodecs[to].encodeRequest(canonical, options);
  return { canonical, upstream: { ...upstream, dropped: droppedInClientTerms(upstream.dropped, from) } };
}

/** Upstream response JSON -> client response JSON; `model` overrides the model name the client sees. */
export function translateResponse(from: WireProtocol, to: WireProtocol, body: unknown, context: DecodeContext & { clientModel?: string; toolNames?: ClientToolNames } = {}): { canonical: CanonicalResponse; body: JsonObject } {
  const canonical = protocolCodecs[from].decodeResponse(body, context);
  if (context.clientModel !== undefined) canonical.model = context.clientModel;
  restoreClientToolNames(canonical, context.toolNames);
  return { canonical, body: protocolCodecs[to].encodeResponse(canonical) };
}

/** Upstream error body -> the client protocol's error envelope. */
export function translateError(from: WireProtocol, to: WireProtocol, body: unknown, status: number, requestId?: string): { canonical: CanonicalError; body: JsonObject } {
  const canonical = protocolCodecs[from].decodeError(body, status);
  if (requestId !== undefined) canonical.requestId = requestId;
  return { canonical, body: protocolCodecs[to].encodeError(canonical) };
}

export interface StreamTranslator {
  /** Upstream bytes in, client SSE text out (possibly empty). */
  push(chunk: string | Uint8Array): string;
  /** The upstream body ended (or failed: pass `error`); returns the client's closing events. */
  end(error?: string): string;
  /** What streamed so far, as a canonical response (usage for traces; the answer for a non-streaming client). */
  response(): CanonicalResponse;
  /** The stream's failure, if it had one. */
  readonly error: string | undefined;
}

export interface StreamTranslatorOptions extends StreamEncoderOptions, DecodeContext {
  /** Filters the message of an error event the upstream sent, before it is encoded or kept (the runtime redacts echoed keys). */
  upstreamErrorText?: (message: string) => string;
  /** The request's tools that the client names otherwise than upstreams do (tool-names.ts). */
  toolNames?: ClientToolNames;
}

export function createStreamTranslator(from: WireProtocol, to: WireProtocol, options: StreamTranslatorOptions = {}): StreamTranslator {
  const decoder = protocolCodecs[from].createStreamDecoder(options);
  const encoder = protocolCodecs[to].createStreamEncoder(options);
  const accumulator = new StreamAccumulator();
  const errorText = options.upstreamErrorText;
  const toolNames = options.toolNames;
  const relay = (events: ReturnType<typeof decoder.push>) => {
    let out = '';
    for (let event of events) {
      if (event.type === 'error' && errorText !== undefined) event = { ...event, message: errorText(event.message) };
      event = withClientToolName(event, toolNames);
      accumulator.push(event);
      out += encoder.encode(event);
    }
    return out;
  };
  return {
    push: (chunk) => relay(decoder.push(chunk)),
    end(error) {
      if (error !== undefined && !accumulator.ended) return relay([{ type: 'error', message: error }, { type: 'end' }]);
      return relay(decoder.end());
    },
    response: () => accumulator.result(),
    get error() {
      return accumulator.error;
    },
  };
}
