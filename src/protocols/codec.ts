/** The one shape every wire protocol implements: six translations to and from the canonical model, plus errors. */
import type { CanonicalError, CanonicalRequest, CanonicalResponse, CanonicalStreamEvent, JsonObject, WireProtocol } from './canonical.js';

/** What a decoder of upstream output may need to know about the request that produced it. */
export interface DecodeContext {
  /** The model the request named, for upstreams whose answers do not carry one (Gemini streams). */
  model?: string;
}

export interface EncodeRequestOptions {
  /** OpenAI: which field carries the output limit (`max_completion_tokens` by default; older compatible servers want `max_tokens`). */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
  /** Anthropic: `max_tokens` is required there; used when the client gave none (default 8192). */
  defaultMaxTokens?: number;
}

export interface EncodedRequest {
  /** Path below the provider's base URL, e.g. `/chat/completions` or `/models/x:streamGenerateContent?alt=sse`. */
  path: string;
  body: JsonObject;
  /** Request parameters the target protocol cannot express, by their canonical or client name; never silently lost. */
  dropped: string[];
}

export interface StreamEncoderOptions {
  /** OpenAI Chat: send the final usage chunk (`stream_options.include_usage`). Other protocols always report usage. */
  includeUsage?: boolean;
  /** The model name the client should see, overriding the upstream's. */
  model?: string;
  /** The gateway's request id, put on in-band error events. */
  requestId?: string;
}

/** Turns an upstream's SSE bytes into canonical events. Feed chunks as they arrive, then call `end` once. */
export interface StreamDecoder {
  push(chunk: string | Uint8Array): CanonicalStreamEvent[];
  /** Closes the stream: the closing events, an `error` first when the upstream stopped before its final event. */
  end(): CanonicalStreamEvent[];
}

/** Turns canonical events into a client protocol's SSE text, one call per event (the result may be empty). */
export interface StreamEncoder {
  encode(event: CanonicalStreamEvent): string;
}

export interface ProtocolCodec {
  readonly protocol: WireProtocol;
  /** Client request JSON -> canonical. Throws `ProtocolDecodeError` for a request it cannot read. */
  decodeRequest(body: unknown): CanonicalRequest;
  /** Canonical -> request body for an upstream of this protocol. */
  encodeRequest(request: CanonicalRequest, options?: EncodeRequestOptions): EncodedRequest;
  /** Upstream response JSON -> canonical. */
  decodeResponse(body: unknown, context?: DecodeContext): CanonicalResponse;
  /** Canonical -> response JSON for a client of this protocol. */
  encodeResponse(response: CanonicalResponse): JsonObject;
  createStreamDecoder(context?: DecodeContext): StreamDecoder;
  createStreamEncoder(options?: StreamEncoderOptions): StreamEncoder;
  /** An upstream's error body (any shape) -> canonical error. */
  decodeError(body: unknown, status: number): CanonicalError;
  /** Canonical error -> this protocol's error envelope. */
  encodeError(error: CanonicalError): JsonObject;
}
