/**
 * Whether a request is answered from (and stored in) the response cache, and under which key. Opt-in:
 * the request's `cache: { ttl }` (seconds) or `Cache-Control: max-age=N`, else its preset's or its primary
 * model's `cache: { ttl }`. `Cache-Control: no-store` or `cache: false` bypass the cache both ways;
 * `no-cache` skips the read and stores the fresh answer. The key is a hash of the canonical request (members
 * in sorted order), the client protocol, the partition (the gateway key's identity, or the deployment's for
 * a gateway without keys) and what the routing adds to the answer: each resolved model's catalog id and its
 * upstream models, and the preset's system prompt, parameters and provider preferences. An entry in Redis
 * outlives restarts and reloads, so a preset or upstream that changed misses instead of serving old answers.
 */
import { createHash } from 'node:crypto';
import type { BundleModel, BundlePreset } from '../../bundle/format.js';
import type { RequestTarget } from '../policy/request-target.js';

export interface CacheDirective {
  ttlMs: number;
  /** False under `no-cache`: the answer is fetched and stored, never read. */
  read: boolean;
}

/** Why a request's `cache` member is refused, or undefined when it is absent or well formed. */
export function cacheFieldError(cache: unknown): string | undefined {
  if (cache === undefined || cache === false) return undefined;
  if (cache === null || typeof cache !== 'object' || Array.isArray(cache)) return "'cache' is false or { ttl: seconds }";
  const keys = Object.keys(cache);
  const ttl = (cache as { ttl?: unknown }).ttl;
  if (keys.some((k) => k !== 'ttl') || typeof ttl !== 'number' || !(ttl > 0)) return "'cache' is false or { ttl: seconds } (a positive number)";
  return undefined;
}

/** Whether anything could ask this request to be cached: the one check on the uncached path. */
export function mayCache(body: Readonly<Record<string, unknown>>, cacheControl: string | undefined, target: RequestTarget): boolean {
  return body.cache !== undefined || cacheControl !== undefined || target.preset?.cacheTtlMs !== undefined || target.models[0]?.spec.cacheTtlMs !== undefined;
}

export function cacheDirective(body: Readonly<Record<string, unknown>>, cacheControl: string | undefined, target: RequestTarget): CacheDirective | undefined {
  const control = parseCacheControl(cacheControl);
  if (control.noStore || body.cache === false) return undefined;
  const own = body.cache as { ttl?: number } | undefined;
  const ttlMs = own?.ttl !== undefined ? own.ttl * 1000 : control.maxAgeS !== undefined ? control.maxAgeS * 1000 : (target.preset?.cacheTtlMs ?? target.models[0]?.spec.cacheTtlMs);
  if (ttlMs === undefined || !(ttlMs > 0)) return undefined;
  return { ttlMs, read: !control.noCache };
}

function parseCacheControl(value: string | undefined): { noStore: boolean; noCache: boolean; maxAgeS?: number } {
  const out: { noStore: boolean; noCache: boolean; maxAgeS?: number } = { noStore: false, noCache: false };
  if (value === undefined) return out;
  for (const part of value.split(',')) {
    const [name, arg] = part.trim().toLowerCase().split('=', 2) as [string, string | undefined];
    if (name === 'no-store') out.noStore = true;
    else if (name === 'no-cache') out.noCache = true;
    else if (name === 'max-age' && arg !== undefined && /^\d+$/.test(arg)) out.maxAgeS = Number(arg);
  }
  return out;
}

/** Members that choose how the gateway routes or caches, not what is asked: left out of the key (the resolved models stand for them). */
const NOT_IN_KEY = new Set(['model', 'models', 'preset', 'cache']);

/**
 * The cache key: a sha256 (base64url), so nothing of the partition or the request can be read from it.
 * `partition` is who may read the entry: `GatewayIdentity.cachePartition`, or the deployment's name.
 */
export function responseCacheKey(protocol: string, partition: string, target: Pick<RequestTarget, 'models' | 'preset'>, body: Readonly<Record<string, unknown>>): string {
  const hash = createHash('sha256');
  // a JSON array of strings: no value can run into the next
  hash.update(JSON.stringify([protocol, partition, ...target.models.map((m) => modelMaterial(m.spec)), target.preset === undefined ? '' : presetMaterial(target.preset)]));
  hash.update('\u0000');
  const keys = Object.keys(body).filter((k) => !NOT_IN_KEY.has(k)).sort();
  for (const k of keys) hash.update(`${JSON.stringify(k)}:${canonicalJson(body[k])},`);
  return hash.digest('base64url');
}

/** What a preset adds to the answer (not its name: two presets that add the same share answers); once per loaded preset. */
const presetMaterials = new WeakMap<BundlePreset, string>();
function presetMaterial(preset: BundlePreset): string {
  let material = presetMaterials.get(preset);
  if (material === undefined) {
    material = canonicalJson({ system: preset.system, params: preset.params, provider: preset.provider });
    presetMaterials.set(preset, material);
  }
  return material;
}

/** A model's catalog id and the upstream models that may answer for it, in order; once per loaded model. */
const modelMaterials = new WeakMap<BundleModel, string>();
function modelMaterial(model: BundleModel): string {
  let material = modelMaterials.get(model);
  if (material === undefined) {
    material = canonicalJson([model.id, model.candidates.map((c) => [c.provider, c.model])]);
    modelMaterials.set(model, material);
  }
  return material;
}

/** JSON with every object's members in sorted order: equal requests give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  return `{${Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`)
    .join(',')}}`;
}
