/**
 * What `anyrouter diff` reports: one typed change per routing difference between two compiled bundles.
 * Every change names its subject (the model, pool, preset, provider, routing table, key, budget or
 * settings section it belongs to)
 * and a `kind` that `--fail-on` can select.
 */
import type { BundleKey, BundlePricing, BundleRouting, ProviderPreferences } from '../../bundle/format.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type SubjectType = 'model' | 'pool' | 'preset' | 'provider' | 'routing' | 'gateway-key' | 'admin-key' | 'budget' | 'settings';

/** What a change belongs to; output groups changes by subject. */
export interface ChangeSubject {
  type: SubjectType;
  /**
   * Model or pool id, preset name, provider id, `routing`; a gateway or admin key's name; a budget's name
   * (`app:<title>` for an app's); or a settings section (`server`, `cache`, `state`, `logging`, `dashboard`).
   */
  id: string;
}

/** One upstream of a model: a (provider, upstream model) pair. */
export interface UpstreamRef {
  provider: string;
  model: string;
}

/** An upstream with its place in the model's ranked candidate list (1 = tried first). */
export interface RankedUpstream extends UpstreamRef {
  priority: number;
  rank: number;
}

/** Model fields that change which requests a model can serve, how pools order it, how its tied upstreams share traffic, and how its answers are cached. */
export type ModelSetting = 'name' | 'context' | 'maxOutput' | 'capabilities' | 'rank' | 'balance' | 'stickyMs' | 'cacheTtlMs';
export type PresetField = 'description' | 'model' | 'models' | 'system' | 'params' | 'cacheTtlMs';
/** One upstream's own attributes: the parameters it takes, its data policy and precision (the `provider` object filters on them), its traffic share. */
export type UpstreamSetting = 'parameters' | 'zdr' | 'dataCollection' | 'quantization' | 'distillable' | 'weight';
export type ProviderSetting = 'type' | 'baseUrl' | 'keyStrategy' | 'keyOrder' | 'timeouts' | 'headers' | 'connections' | 'shared' | 'responses';

interface On<T extends SubjectType> {
  subject: { type: T; id: string };
}

export type AddedModel = On<'model'> & { kind: 'added-model'; aliases: string[]; upstreams: RankedUpstream[]; pricing: BundlePricing };
export type RemovedModel = On<'model'> & { kind: 'removed-model'; aliases: string[]; upstreams: RankedUpstream[] };
export type AddedAlias = On<'model'> & { kind: 'added-alias'; alias: string };
export type RemovedAlias = On<'model'> & { kind: 'removed-alias'; alias: string };
export type AddedUpstream = On<'model'> & { kind: 'added-upstream'; upstream: RankedUpstream };
export type RemovedUpstream = On<'model'> & { kind: 'removed-upstream'; upstream: RankedUpstream };
/** The relative order of upstreams present on both sides changed (priority changes that caused it are shown here, not again). */
export type ReorderedUpstreams = On<'model'> & { kind: 'reordered-upstreams'; before: RankedUpstream[]; after: RankedUpstream[] };
/** A priority changed without changing the order. */
export type PriorityChange = On<'model'> & { kind: 'priority-change'; upstream: UpstreamRef; before: number; after: number };
/** The model's price, or (with `upstream`) one upstream's own price override. */
export type PriceChange = On<'model'> & { kind: 'price-change'; upstream?: UpstreamRef; before: BundlePricing; after: BundlePricing };
/** One of an upstream's own attributes (`setting`); absent is "not declared". */
export type UpstreamParametersChange = On<'model'> & { kind: 'upstream-parameters-change'; upstream: UpstreamRef; setting: UpstreamSetting; before?: JsonValue; after?: JsonValue };
export type FallbacksChange = On<'model'> & { kind: 'fallbacks-change'; before: string[]; after: string[] };
export type ModelSettingChange = On<'model'> & { kind: 'model-change'; setting: ModelSetting; before?: JsonValue; after?: JsonValue };
/** A model's or preset's default `provider` object. */
export type PreferencesChange = On<'model' | 'preset'> & { kind: 'preferences-change'; before?: ProviderPreferences; after?: ProviderPreferences };

export type AddedPool = On<'pool'> & { kind: 'added-pool'; members: string[] };
export type RemovedPool = On<'pool'> & { kind: 'removed-pool'; members: string[] };
export type PoolMembership = On<'pool'> & { kind: 'pool-membership'; model: string; membership: 'joined' | 'left' };
export type ReorderedPoolMembers = On<'pool'> & { kind: 'reordered-pool-members'; before: string[]; after: string[] };

export type AddedPreset = On<'preset'> & { kind: 'added-preset'; model: string; models: string[] };
export type RemovedPreset = On<'preset'> & { kind: 'removed-preset'; model: string; models: string[] };
export type PresetChange = On<'preset'> & { kind: 'preset-change'; field: PresetField; before?: JsonValue; after?: JsonValue };

export type AddedProvider = On<'provider'> & { kind: 'added-provider'; type: string; baseUrl: string };
export type RemovedProvider = On<'provider'> & { kind: 'removed-provider'; type: string; baseUrl: string };
export type ProviderChange =
  | (On<'provider'> & { kind: 'provider-change'; setting: ProviderSetting; before?: JsonValue; after?: JsonValue })
  | (On<'provider'> & { kind: 'provider-change'; setting: 'key'; key: string; before?: BundleKey; after?: BundleKey });

export type RoutingChange = On<'routing'> & { kind: 'routing-change'; setting: keyof BundleRouting; before: JsonValue; after: JsonValue };

/**
 * Something added, removed or changed in the gateway's own settings (keys, budgets, server, cache, state,
 * logging, dashboard): `setting` names the field when it changed (a dotted path in a settings section).
 * A sha256 shows as its first 8 hex digits; a URL never with its password.
 */
type SettingsEntry<T extends SubjectType, K extends string> = On<T> & { kind: K; change: 'added' | 'removed' | 'changed'; setting?: string; before?: JsonValue; after?: JsonValue };
/** `auth.gatewayKeys`: models, rpm, tpm, budget, shared, sha256 (a rotation). */
export type GatewayKeyChange = SettingsEntry<'gateway-key', 'gateway-key-change'>;
/** `auth.adminKeys`: scope, sha256. */
export type AdminKeyChange = SettingsEntry<'admin-key', 'admin-key-change'>;
/** `budgets` (the gateway's and apps'; a key's own budget is a gateway-key-change). */
export type BudgetChange = SettingsEntry<'budget', 'budget-change'>;
/** `server`, `cache`, `state`, `logging`, `dashboard`. */
export type SettingsChange = SettingsEntry<'settings', 'settings-change'>;

export type BundleChange =
  | AddedModel
  | RemovedModel
  | AddedAlias
  | RemovedAlias
  | AddedUpstream
  | RemovedUpstream
  | ReorderedUpstreams
  | PriorityChange
  | PriceChange
  | UpstreamParametersChange
  | FallbacksChange
  | ModelSettingChange
  | PreferencesChange
  | AddedPool
  | RemovedPool
  | PoolMembership
  | ReorderedPoolMembers
  | AddedPreset
  | RemovedPreset
  | PresetChange
  | AddedProvider
  | RemovedProvider
  | ProviderChange
  | RoutingChange
  | GatewayKeyChange
  | AdminKeyChange
  | BudgetChange
  | SettingsChange;

export type ChangeKind = BundleChange['kind'];

/** Every kind, in the order changes of one subject are listed. */
export const CHANGE_KINDS = [
  'added-model',
  'removed-model',
  'added-alias',
  'removed-alias',
  'added-upstream',
  'removed-upstream',
  'reordered-upstreams',
  'priority-change',
  'price-change',
  'upstream-parameters-change',
  'fallbacks-change',
  'model-change',
  'added-pool',
  'removed-pool',
  'pool-membership',
  'reordered-pool-members',
  'added-preset',
  'removed-preset',
  'preset-change',
  'preferences-change',
  'added-provider',
  'removed-provider',
  'provider-change',
  'routing-change',
  'gateway-key-change',
  'admin-key-change',
  'budget-change',
  'settings-change',
] as const satisfies readonly ChangeKind[];

// every kind is listed exactly once (a compile error here means CHANGE_KINDS is missing one)
type MissingKinds = Exclude<ChangeKind, (typeof CHANGE_KINDS)[number]>;
const allKindsListed: [MissingKinds] extends [never] ? true : MissingKinds = true;
void allKindsListed;

export function isChangeKind(value: string): value is ChangeKind {
  return (CHANGE_KINDS as readonly string[]).includes(value);
}

/** Order of subject types in the output. */
export const SUBJECT_ORDER: readonly SubjectType[] = ['model', 'pool', 'preset', 'provider', 'routing', 'gateway-key', 'admin-key', 'budget', 'settings'];
