/** Parsing a client's request body only as far as routing needs, and merging a preset under it. */
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import { MAX_JSON_DEPTH, jsonNestsDeeperThan } from '../../protocols/json-depth.js';
import { cacheFieldError } from '../cache/cache-policy.js';
import { transformsError } from '../policy/middle-out.js';
import type { RequestTarget } from '../policy/request-target.js';
import type { ClientProtocolSpec } from './client-protocol.js';
import type { GatewayError } from './openai-errors.js';

/** Fields the gateway reads and an upstream must not see (OpenAI and Anthropic reject unknown arguments). */
export const GATEWAY_FIELDS = ['models', 'provider', 'preset', 'route', 'transforms', 'cache'] as const;

export type ParsedBody = { ok: true; body: Record<string, unknown> } | { ok: false; error: GatewayError };

export function parseClientBody(raw: Buffer, client: ClientProtocolSpec): ParsedBody {
  const text = raw.toString('utf8');
  if (jsonNestsDeeperThan(text)) return { ok: false, error: { status: 400, code: 'json_too_deep', message: `request body nests arrays or objects deeper than ${MAX_JSON_DEPTH} levels` } };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { ok: false, error: { status: 400, code: 'invalid_json', message: 'request body is not valid JSON' } };
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return { ok: false, error: { status: 400, code: 'invalid_request', message: 'request body must be a JSON object' } };
  const record = body as Record<string, unknown>;
  if (typeof record.model !== 'string' || record.model === '') {
    if (record.model !== undefined && record.model !== null && typeof record.model !== 'string') {
      return { ok: false, error: { status: 400, code: 'invalid_model', message: `'model' must be a string (a model id or alias from GET /v1/models, or '@preset/name'), not ${Array.isArray(record.model) ? 'an array' : `a ${typeof record.model}`}` } };
    }
    if (typeof record.preset !== 'string') return { ok: false, error: { status: 400, code: 'missing_model', message: "'model' is required: a model id or alias from GET /v1/models, or '@preset/name'" } };
  }
  const content = client.checkContent(record);
  if (content) return { ok: false, error: content };
  if (record.stream !== undefined && typeof record.stream !== 'boolean') return { ok: false, error: { status: 400, code: 'invalid_stream', message: "'stream' must be a boolean" } };
  if (record.models !== undefined && (!Array.isArray(record.models) || record.models.some((m) => typeof m !== 'string'))) {
    return { ok: false, error: { status: 400, code: 'invalid_models', message: "'models' must be an array of model ids" } };
  }
  const badCache = record.cache === undefined ? undefined : cacheFieldError(record.cache);
  if (badCache) return { ok: false, error: { status: 400, code: 'invalid_cache', message: badCache } };
  if (record.transforms !== undefined) {
    const refused = transformsError(record.transforms);
    if (refused) return { ok: false, error: { status: 400, code: 'invalid_transforms', message: refused } };
  }
  return { ok: true, body: record };
}

/** zod, and the schema, are loaded on the first request that sends a `provider` object (about 15 MB less RSS until then). */
let preferencesSchema: Promise<typeof import('../../preferences/provider-preferences-schema.js')> | undefined;

/** Checks a request's `provider` object against the preferences schema; undefined when it is absent or valid. */
export async function checkProviderPreferences(body: Readonly<Record<string, unknown>>): Promise<GatewayError | undefined> {
  if (body.provider === undefined) return undefined;
  preferencesSchema ??= import('../../preferences/provider-preferences-schema.js');
  const checked = (await preferencesSchema).providerPreferencesSchema.safeParse(body.provider);
  if (checked.success) return undefined;
  const issue = checked.error.issues[0]!;
  const where = ['provider', ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys' && issue.path.length === 0) {
    const key = issue.keys[0]!;
    const known = Object.keys((await preferencesSchema).providerPreferencesSchema.shape);
    return { status: 400, code: 'invalid_provider', message: `'provider': unknown field '${key}'${didYouMeanSuffix(key, known)} (the provider object takes ${known.join(', ')})` };
  }
  return { status: 400, code: 'invalid_provider', message: `'${where}': ${issue.message} (see the provider object: order, only, ignore, allow_fallbacks, sort, max_price, zdr, data_collection, quantizations, ...)` };
}

/**
 * The request the upstreams get, before the model name: the preset's parameters merged under it (the
 * request's values win), the preset's system prompt first, and the gateway's own fields removed.
 * Returns undefined when nothing changes, so the client's bytes can be forwarded as they are.
 */
export function mergePreset(body: Record<string, unknown>, target: RequestTarget, client: ClientProtocolSpec): Record<string, unknown> | undefined {
  const hasGatewayFields = GATEWAY_FIELDS.some((f) => body[f] !== undefined);
  const hasParams = Object.keys(target.params).length > 0;
  if (!hasGatewayFields && !hasParams && target.system === undefined) return undefined;
  const merged: Record<string, unknown> = { ...target.params, ...body };
  for (const field of GATEWAY_FIELDS) delete merged[field];
  return target.system !== undefined ? client.withSystem(merged, target.system) : merged;
}
