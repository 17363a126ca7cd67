/** Pass 2, validate: every config part against its zod schema; every zod issue becomes a finding. */
import type { z } from 'zod';
import { configSchema, type ConfigSpec } from './schema/config.js';
import { modelFileSchema, modelSchema, type ModelSpec } from './schema/model.js';
import { presetSchema, type PresetSpec } from './schema/preset.js';
import { providerSchema, type ProviderSpec } from './schema/provider.js';
import { knownKeysAt } from './schema/shape-at.js';
import { didYouMeanSuffix } from '../naming/did-you-mean.js';
import { looksLikeSecret } from './secret-scan.js';
import { formatPath, type Finding, type PathSegment } from './diagnostics.js';

/** A validated value and where it came from. */
export interface Located<T> {
  value: T;
  source: number;
  path: PathSegment[];
}

export interface RawPart {
  value: unknown;
  source: number;
  path: PathSegment[];
}

export interface ValidatedConfig {
  config: ConfigSpec;
  providers: Array<Located<ProviderSpec> & { id: string }>;
  models: Array<Located<ModelSpec>>;
  presets: Array<Located<PresetSpec>>;
  /** Ids of model entries that failed validation: later passes do not report references to them. */
  invalidModelIds: Set<string>;
  /** Providers named in the upstreams of model entries that failed validation: not reported as unused. */
  providersOfInvalidModels: Set<string>;
  /** False when a model file could not be read as `models: [...]`: what it declares is unknown, so later passes do not report unknown models or unused providers. */
  modelFilesRead: boolean;
}

export function zodFindings(error: z.ZodError, schema: z.ZodType, source: number, base: PathSegment[]): Finding[] {
  return error.issues.map((issue): Finding => {
    const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
    const at = (p: PathSegment[], key = false) => ({ source, path: [...base, ...p], key });
    const where = formatPath([...base, ...path]);
    const prefix = where ? `${where}: ` : '';
    // a missing field fails whatever schema it has (type, enum, union): report it as missing, on its parent
    if (issue.input === undefined && path.length > 0 && (issue.code === 'invalid_type' || issue.code === 'invalid_value' || issue.code === 'invalid_union')) {
      const field = path[path.length - 1];
      const expected = issue.code === 'invalid_type' ? ` (${issue.expected})` : '';
      return { severity: 'error', code: 'AR104', message: `missing required field '${String(field)}'${expected} in ${formatPath([...base, ...path.slice(0, -1)]) || 'config'}`, at: at(path.slice(0, -1)) };
    }
    switch (issue.code) {
      case 'unrecognized_keys': {
        const key = issue.keys[0]!;
        const known = knownKeysAt(schema, path);
        return { severity: 'error', code: 'AR102', message: `unknown field '${key}'${where ? ` in ${where}` : ''}${didYouMeanSuffix(key, known)}`, at: at([...path, key], true) };
      }
      case 'invalid_type':
        return { severity: 'error', code: 'AR101', message: `${prefix}expected ${issue.expected}, got ${describe(issue.input)}`, at: at(path) };
      case 'invalid_value': {
        const allowed = issue.values.map(String);
        const hint = typeof issue.input === 'string' ? didYouMeanSuffix(issue.input, allowed) : '';
        return { severity: 'error', code: 'AR103', message: `${prefix}${describe(issue.input)} is not one of ${allowed.map((v) => `'${v}'`).join(', ')}${hint}`, at: at(path) };
      }
      case 'invalid_union': {
        // every branch wanted another type (e.g. `models: 42` for a folder name or a list): a wrong type
        const expected = issue.errors.map((branch) => (branch.length === 1 && branch[0]!.code === 'invalid_type' && branch[0]!.path.length === 0 ? branch[0]!.expected : undefined));
        if (expected.every((e) => e !== undefined)) {
          return { severity: 'error', code: 'AR101', message: `${prefix}expected ${[...new Set(expected)].join(' or ')}, got ${describe(issue.input)}`, at: at(path) };
        }
        return { severity: 'error', code: 'AR100', message: `${prefix}${issue.message}`, at: at(path) };
      }
      case 'too_small':
      case 'too_big':
        return { severity: 'error', code: 'AR105', message: `${prefix}${issue.message}`, at: at(path) };
      case 'invalid_format':
        return { severity: 'error', code: 'AR106', message: `${prefix}${issue.message}`, at: at(path) };
      default:
        return { severity: 'error', code: 'AR100', message: `${prefix}${issue.message}`, at: at(path) };
    }
  });
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'string') {
    if (looksLikeSecret(value)) return 'a string that looks like a secret';
    return `string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + '…' : value)}`;
  }
  return typeof value;
}

function check<S extends z.ZodType>(schema: S, part: RawPart, findings: Finding[]): z.output<S> | undefined {
  const result = schema.safeParse(part.value, { reportInput: true });
  if (result.success) return result.data;
  findings.push(...zodFindings(result.error, schema, part.source, part.path));
  return undefined;
}

export interface ConfigParts {
  top: RawPart;
  /** One per model entry, from YAML files or an inline array. */
  models: RawPart[];
  presets: RawPart[];
  /** False when some model file had a YAML error or was not `models: [...]`. */
  modelFilesRead: boolean;
}

export function validateTop(top: RawPart, findings: Finding[]): ConfigSpec | undefined {
  return check(configSchema, top, findings);
}

export function validateParts(config: ConfigSpec, parts: ConfigParts, findings: Finding[]): ValidatedConfig {
  const providers: ValidatedConfig['providers'] = [];
  for (const id of Object.keys(config.providers).sort()) {
    const part = { value: config.providers[id], source: parts.top.source, path: [...parts.top.path, 'providers', id] };
    const value = check(providerSchema, part, findings);
    if (value) providers.push({ id, value, source: part.source, path: part.path });
  }
  const models: ValidatedConfig['models'] = [];
  const invalidModelIds = new Set<string>();
  const providersOfInvalidModels = new Set<string>();
  for (const part of parts.models) {
    const value = check(modelSchema, part, findings);
    if (value) models.push({ value, source: part.source, path: part.path });
    else {
      const raw = (part.value ?? {}) as { id?: unknown; aliases?: unknown; upstreams?: unknown };
      if (typeof raw.id === 'string') invalidModelIds.add(raw.id);
      for (const alias of Array.isArray(raw.aliases) ? raw.aliases : []) if (typeof alias === 'string') invalidModelIds.add(alias);
      for (const upstream of Array.isArray(raw.upstreams) ? raw.upstreams : []) {
        const provider = (upstream as { provider?: unknown } | null)?.provider;
        if (typeof provider === 'string') providersOfInvalidModels.add(provider);
      }
    }
  }
  const presets: ValidatedConfig['presets'] = [];
  for (const part of parts.presets) {
    const value = check(presetSchema, part, findings);
    if (value) presets.push({ value, source: part.source, path: part.path });
  }
  return { config, providers, models, presets, invalidModelIds, providersOfInvalidModels, modelFilesRead: parts.modelFilesRead };
}

/** A model YAML file must be `models: [...]`; returns its entries as parts, or undefined when it is not. */
export function modelFileParts(value: unknown, source: number, findings: Finding[]): RawPart[] | undefined {
  const file = check(modelFileSchema, { value, source, path: [] }, findings);
  if (!file) return undefined;
  return file.models.map((entry, i) => ({ value: entry, source, path: ['models', i] }));
}
