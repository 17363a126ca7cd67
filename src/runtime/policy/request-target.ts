/**
 * What a request asks for, resolved against the table: the ordered models to try (`model`, then `models`,
 * virtual pools expanded), the preset merged under the request, and a sort implied by `:floor`/`:nitro`.
 */
import type { BundlePreset, ProviderPreferences, SortBy } from '../../bundle/format.js';
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import type { RoutingTable, ServeModel, ServePool } from '../routing-table.js';
import type { CatalogReader } from '../model-catalog.js';

export interface RequestTarget {
  /** Models in the order they are tried; the first is the primary. */
  models: ServeModel[];
  /** Where each model came from, for explanations. */
  origins: string[];
  preset?: BundlePreset;
  /** The request's `provider` object if it has one, else the preset's (replaced whole, never merged). */
  preferences?: ProviderPreferences;
  /** Sort implied by a `:floor` (price) or `:nitro` (throughput) suffix. */
  suffixSort?: SortBy;
  /** The preset's system prompt, prepended to the messages. */
  system?: string;
  /** The preset's parameters; the request's own values win. */
  params: Record<string, unknown>;
}

export interface TargetError {
  status: 400 | 404 | 503;
  code: string;
  message: string;
}

const SUFFIX_SORT: Record<string, SortBy> = { floor: 'price', nitro: 'throughput' };
const PRESET_PREFIX = '@preset/';

interface TargetRequest {
  model?: unknown;
  models?: unknown;
  preset?: unknown;
  provider?: unknown;
}

/** Splits `x/y@preset/name`, `@preset/name` and a `preset` field into a model name and a preset name. */
function splitPreset(request: TargetRequest): { model?: string; preset?: string } {
  // built member by member: V8 makes objects of conditional spreads slowly
  const split: { model?: string; preset?: string } = {};
  const model = typeof request.model === 'string' ? request.model : undefined;
  if (model !== undefined) {
    const at = model.indexOf(PRESET_PREFIX);
    if (at >= 0) {
      if (at > 0) split.model = model.slice(0, at);
      split.preset = model.slice(at + PRESET_PREFIX.length);
      return split;
    }
    split.model = model;
  }
  if (typeof request.preset === 'string') split.preset = request.preset;
  return split;
}

const MODEL_ORIGIN: readonly string[] = ['model'];
const NO_PARAMS: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * The request's models, preset and fallbacks, resolved. `reader` is who asks: a gateway key limited by `models`
 * globs gets did-you-mean suggestions only from the names it may use, so a typo never reveals a hidden model.
 */
export function resolveTarget(table: RoutingTable, request: TargetRequest, reader?: CatalogReader): RequestTarget | TargetError {
  // the common request: one model named by id or alias, no preset, no fallbacks (and maybe a provider object)
  if (typeof request.model === 'string' && request.models === undefined && request.preset === undefined) {
    const model = table.models.get(request.model.toLowerCase());
    if (model && !request.model.includes(PRESET_PREFIX)) {
      const target: RequestTarget = { models: model.alone, origins: MODEL_ORIGIN as string[], params: NO_PARAMS as Record<string, unknown> };
      if (isObject(request.provider)) target.preferences = request.provider as ProviderPreferences;
      return target;
    }
  }
  const split = splitPreset(request);
  let preset: BundlePreset | undefined;
  if (split.preset !== undefined) {
    preset = table.bundle.presets[split.preset.toLowerCase()] ?? table.bundle.presets[split.preset];
    if (!preset) {
      return { status: 404, code: 'preset_not_found', message: `preset '${split.preset}' does not exist${didYouMeanSuffix(split.preset, Object.keys(table.bundle.presets))}` };
    }
  }
  const primary = split.model ?? preset?.model;
  if (primary === undefined) return { status: 400, code: 'missing_model', message: "'model' is required: a model id, an alias, or '@preset/name'" };

  let suffixSort: SortBy | undefined;
  const fromRequest = Array.isArray(request.models);
  const fallbackList: readonly unknown[] | undefined = fromRequest ? (request.models as unknown[]) : preset?.models;
  const fallbackOrigin = fromRequest ? 'models' : `preset '${preset?.name}' models`;

  const models: ServeModel[] = [];
  const origins: string[] = [];
  // the primary (index -1), then each fallback name: no list of names, no lookup objects, no Set per request
  for (let k = -1; k < (fallbackList?.length ?? 0); k++) {
    const rawName = k < 0 ? primary : fallbackList![k];
    if (typeof rawName !== 'string') continue;
    const origin = k < 0 ? (split.model !== undefined ? 'model' : `preset '${preset!.name}' model`) : fallbackOrigin;
    let name = rawName;
    let resolved = lookup(table, name);
    if (!resolved) {
      const colon = name.lastIndexOf(':');
      const sort = colon > 0 ? SUFFIX_SORT[name.slice(colon + 1)] : undefined;
      if (sort) {
        name = name.slice(0, colon);
        resolved = lookup(table, name);
        if (resolved && models.length === 0) suffixSort = sort;
      }
    }
    if (!resolved) {
      return { status: 404, code: 'model_not_found', message: `model '${rawName}'${origin === 'model' ? '' : ` (${origin})`} is not in this gateway's catalog${didYouMeanSuffix(name, suggestableNames(table, reader))}` };
    }
    const pool = 'members' in resolved ? resolved : undefined;
    const members = pool ? pool.members : (resolved as ServeModel).alone;
    if (pool && members.length === 0) {
      return { status: 503, code: 'pool_has_no_keys', message: `virtual model '${pool.id}' has no member whose provider has a key: add a provider key to the gateway's environment` };
    }
    for (const model of members) {
      if (hasModel(models, model.spec.id)) continue;
      models.push(model);
      origins.push(pool ? `${origin} (pool ${pool.id})` : origin);
    }
  }

  const preferences = (isObject(request.provider) ? (request.provider as ProviderPreferences) : undefined) ?? preset?.provider;
  const target: RequestTarget = { models, origins, params: preset?.params ?? (NO_PARAMS as Record<string, unknown>) };
  if (preset) target.preset = preset;
  if (preferences) target.preferences = preferences;
  if (suffixSort) target.suffixSort = suffixSort;
  if (preset?.system !== undefined) target.system = preset.system;
  return target;
}

/** The model and pool names a did-you-mean may offer `reader` (every name when it is not limited). */
export function suggestableNames(table: RoutingTable, reader: CatalogReader | undefined): string[] {
  const pools = Object.keys(table.bundle.pools);
  if (!reader?.scoped) return [...table.catalog.all.names, ...pools];
  return [...table.catalog.viewFor(reader).names, ...pools.filter((id) => reader.allows(id))];
}

/** A name's catalog model, or the virtual model (pool) of that name. */
function lookup(table: RoutingTable, name: string): ServeModel | ServePool | undefined {
  const lowered = name.toLowerCase();
  return table.models.get(lowered) ?? table.pools.get(lowered);
}

/** The request's model list is short: a scan beats a Set made per request. */
function hasModel(models: readonly ServeModel[], id: string): boolean {
  for (let i = 0; i < models.length; i++) if (models[i]!.spec.id === id) return true;
  return false;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
