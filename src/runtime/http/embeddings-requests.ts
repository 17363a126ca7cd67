/**
 * The upstream requests of one `POST /v1/embeddings`: an `openai` upstream gets the client's bytes (only
 * `model` replaced) at `/embeddings`; another type with an embeddings operation (`gemini`) gets the
 * request decoded once and encoded in its format (one input or a batch), built once per upstream model.
 */
import { ProtocolDecodeError, decodeOpenAIEmbeddingsRequest, type EmbeddingsRequest } from '../../protocols/index.js';
import type { RequestTarget } from '../policy/request-target.js';
import type { ServeCandidate, ServeKey } from '../routing-table.js';
import type { EmbeddingsOperation } from '../upstream/upstream-adapter.js';
import { upstreamAdapters } from '../upstream/upstream-adapters.js';
import { mergePreset } from './client-body.js';
import { speaksNatively, type ClientProtocolSpec } from './client-protocol.js';
import { NativeBodies } from './native-bodies.js';
import type { GatewayError } from './openai-errors.js';
import type { UpstreamRequest, UpstreamRequests, UpstreamRequestsInput, UpstreamRoute } from './upstream-requests.js';

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NOTHING_DROPPED: readonly string[] = Object.freeze([]);

/** What a preset may set on an embeddings request: OpenAI's embeddings parameters, besides `model` and `input`. */
const EMBEDDINGS_PRESET_PARAMS: ReadonlySet<string> = new Set(['dimensions', 'encoding_format', 'user']);

interface EmbeddingsPreset {
  /** The preset's parameters an embeddings request takes. */
  params: Record<string, unknown>;
  /** What else the preset sets (chat parameters, its system prompt), named as in the preset. */
  dropped: readonly string[];
}

/** Per preset parameters object (one per preset in a bundle): made once, not per request. */
const embeddingsPresets = new WeakMap<object, EmbeddingsPreset>();

/**
 * A preset on an embeddings request: only its embeddings parameters apply (`dimensions`, `encoding_format`,
 * `user`); its chat parameters (`temperature` ...) and its system prompt have no place there and are dropped.
 */
function embeddingsPresetOf(target: RequestTarget): EmbeddingsPreset {
  let found = embeddingsPresets.get(target.params);
  if (found === undefined) {
    const params: Record<string, unknown> = {};
    const dropped: string[] = [];
    for (const [name, value] of Object.entries(target.params)) {
      if (EMBEDDINGS_PRESET_PARAMS.has(name)) params[name] = value;
      else dropped.push(name);
    }
    found = { params, dropped };
    embeddingsPresets.set(target.params, found);
  }
  return found;
}

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
  /** What the request's preset sets that an embeddings request does not take (listed, never sent). */
  private readonly presetDropped: readonly string[];
  private decoded: EmbeddingsRequest | undefined;
  private translated: Map<string, TranslatedBody> | undefined;

  constructor(input: UpstreamRequestsInput) {
    this.client = input.client;
    this.primaryModel = input.primaryModel;
    const preset = embeddingsPresetOf(input.target);
    // a parameter the client sends itself is the client's, whatever the preset says
    const dropped = preset.dropped.filter((name) => input.body[name] === undefined);
    if (input.target.system !== undefined) dropped.push('system');
    this.presetDropped = dropped.length === 0 ? NOTHING_DROPPED : dropped;
    const target = preset.dropped.length === 0 && input.target.system === undefined ? input.target : { ...input.target, params: preset.params, system: undefined };
    const base = mergePreset(input.body, target, input.client);
    this.request = base ?? input.body;
    this.nativeBodies = new NativeBodies(input.raw, input.body, base);
  }

  isNative(candidate: ServeCandidate): boolean {
    return speaksNatively(this.client.native, candidate.provider.spec);
  }

  routeOf(candidate: ServeCandidate): UpstreamRoute {
    const native = this.isNative(candidate);
    const protocol = upstreamAdapters[candidate.provider.spec.type].protocol;
    return { native, protocol, dropped: native || this.decoded === undefined ? this.presetDropped : this.translation(candidate).dropped };
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
      out = { batch: encoded.batch, body: JSON.stringify(encoded.body), dropped: this.presetDropped.length === 0 ? encoded.dropped : [...this.presetDropped, ...encoded.dropped] };
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
