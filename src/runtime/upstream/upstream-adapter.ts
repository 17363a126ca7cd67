/**
 * What the runtime needs to call one upstream type: the wire protocol it speaks, the path of a model's
 * endpoint below the provider's base URL, and the request headers (where the key goes). One small file
 * per type holds the details: openai-request.ts, anthropic-request.ts, gemini-request.ts.
 */
import type { EmbeddingsRequest, TranslatedEmbeddingsRequest, UpstreamType, WireProtocol } from '../../protocols/index.js';
import type { ServeKey, ServeProvider } from '../routing-table.js';

export interface UpstreamHeadersInput {
  provider: ServeProvider;
  key: ServeKey;
  stream: boolean;
  /** Client headers relayed to an upstream of the client's own protocol (e.g. `anthropic-beta`), lowercased. */
  relayed: Readonly<Record<string, string>>;
}

export interface UpstreamAdapter {
  readonly type: UpstreamType;
  readonly protocol: WireProtocol;
  /** Path of the model's endpoint below the provider's base path, e.g. `/chat/completions`. */
  path(model: string, stream: boolean): string;
  headers(input: UpstreamHeadersInput): Record<string, string>;
  /** The embeddings endpoint, where the type has one (`anthropic` has none). */
  readonly embeddings?: EmbeddingsOperation;
}

/** How an upstream type embeds: OpenAI's request as the client sent it, or translated into its own format. */
export interface EmbeddingsOperation {
  /** Path below the provider's base path; `batch`: the translated request holds several inputs. */
  path(model: string, batch: boolean): string;
  /** Absent: the upstream speaks OpenAI's Embeddings API, and gets the client's bytes. Throws `ProtocolDecodeError` for input it cannot take. */
  encode?(request: EmbeddingsRequest, model: string): TranslatedEmbeddingsRequest;
  /**
   * The vectors of a translated answer's text, each as its JSON array of numbers (and the prompt tokens,
   * when the upstream counts them); undefined when the answer is not one.
   */
  decode?(text: string): { vectors: string[]; promptTokens?: number } | undefined;
}
