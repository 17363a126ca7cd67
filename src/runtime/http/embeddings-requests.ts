/**
 * The upstream requests of one `POST /v1/embeddings`: an `openai` upstream gets the client's bytes (only
 * `model` replaced) at `/embeddings`; another type with an embeddings operation (`gemini`) gets the
 * request decoded once and encoded in its format (one input or a batch), built once per upstream model.
 */
import { ProtocolDecodeError, decodeOpenAIEmbeddingsRequest, type EmbeddingsRequest } from '../../protocols/index.js';
import type { ServeCandidate, ServeKey } from '../routing-table.js';
import type { EmbeddingsOperation } from '../upstream/upstream-adapter.js';
import { upstreamAdapters } from '../upstream/upstream-adapters.js';
import { mergePreset } from './client-body.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import { NativeBodies } from './native-bodies.js';
import type { GatewayError } from './openai-errors.js';
import type { UpstreamRequest, UpstreamRequests, UpstreamRequestsInput, UpstreamRoute } from './upstream-requests.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NOTHING_DROPPED: readonly string[] = Object.freeze([]);

interface TranslatedBody {
  batch: boolean;
  body: string;
  dropped: string[];
}

export class EmbeddingsRequests implements UpstreamRequests {
  private readonly client: ClientProtocolSpec;
  /** The request the upstreams get, before the model name (a preset's parameters merged under it). */
  private readonly request: Record<string, unknown>;
  private readonly primaryModel: string;
  private readonly nativeBodies: NativeBodies;
  private decoded: EmbeddingsRequest | undefined;
  private translated: Map<string, TranslatedBody> | undefined;

  constructor(input: UpstreamRequestsInput) {
    this.client = input.client;
    this.primaryModel = input.primaryModel;
    const base = mergePreset(input.body, input.target, input.client);
    this.request = base ?? input.body;
    this.nativeBodies = new NativeBodies(input.raw, input.body, base);
  }

  isNative(candidate: ServeCandidate): boolean {
    return this.client.native?.upstream === candidate.provider.spec.type;
  }

  routeOf(candidate: ServeCandidate): UpstreamRoute {
    const native = this.isNative(candidate);
    const protocol = upstreamAdapters[candidate.provider.spec.type].protocol;
    return { native, protocol, dropped: native || this.decoded === undefined ? NOTHING_DROPPED : this.translation(candidate).dropped };
  }

  prepareTranslation(): GatewayError | undefined {
    if (this.decoded !== undefined) return undefined;
    try {
      const decoded = decodeOpenAIEmbeddingsRequest({ ...this.request, model: this.primaryModel });
      // what an upstream format cannot take (token ids for Gemini) shows when it is encoded
      for (const adapter of Object.values(upstreamAdapters)) adapter.embeddings?.encode?.(decoded, this.primaryModel);
      this.decoded = decoded;
      return undefined;
    } catch (error) {
      if (!(error instanceof ProtocolDecodeError)) throw error;
      const where = error.param !== undefined ? ` (at ${error.param})` : '';
      return { status: 400, code: 'untranslatable_request', message: `${error.message}${where}` };
    }
  }

  canonical(): undefined {
    return undefined;
  }

  clientToolNames(): undefined {
    return undefined;
  }

  embeddings(): EmbeddingsRequest | undefined {
    return this.decoded;
  }

  forAttempt(candidate: ServeCandidate, key: ServeKey): UpstreamRequest {
    const adapter = upstreamAdapters[candidate.provider.spec.type];
    const operation = operationOf(candidate);
    const headers = adapter.headers({ provider: candidate.provider, key, stream: false, relayed: NO_HEADERS as Record<string, string> });
    if (this.isNative(candidate)) return { path: operation.path(candidate.model, false), headers, body: this.nativeBodies.of(candidate.model) };
    const translated = this.translation(candidate);
    return { path: operation.path(candidate.model, translated.batch), headers, body: translated.body };
  }

  private translation(candidate: ServeCandidate): TranslatedBody {
    const type = candidate.provider.spec.type;
    const cacheKey = `${type}\u0000${candidate.model}`;
    this.translated ??= new Map();
    let out = this.translated.get(cacheKey);
    if (out === undefined) {
      const encode = operationOf(candidate).encode;
      if (this.decoded === undefined || encode === undefined) throw new Error('prepareTranslation() must succeed before a translated embeddings attempt');
      const encoded = encode(this.decoded, candidate.model);
      out = { batch: encoded.batch, body: JSON.stringify(encoded.body), dropped: encoded.dropped };
      this.translated.set(cacheKey, out);
    }
    return out;
  }
}

/** The embeddings operation of a candidate's upstream type (the plan keeps only types that have one). */
function operationOf(candidate: ServeCandidate): EmbeddingsOperation {
  const operation = upstreamAdapters[candidate.provider.spec.type].embeddings;
  if (operation === undefined) throw new Error(`upstream type ${candidate.provider.spec.type} has no embeddings operation`);
  return operation;
}
