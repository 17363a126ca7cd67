/**
 * A config as plain data, and the many ways to write the same config to disk: which file holds which
 * model, file names and folders, entry order, object key order, YAML style, `defineConfig` + `env()`
 * or a bare object, models and presets inline in the TS or as YAML. Only orders the format declares
 * meaningless are permuted (models, presets, providers, object keys, aliases, capabilities, upstreams,
 * failover statuses): a provider's key list, a model's fallbacks, a preset's models and params keep theirs.
 */
import { stringify } from 'yaml';
import type { FileTree } from './support.js';
import { seededRandom } from '../../src/simulation/seeded-random.js';

export interface ConfigData {
  providers: Record<string, ProviderData>;
  routing?: Record<string, unknown>;
  models: ModelData[];
  presets: PresetData[];
}

export interface ProviderData {
  type: string;
  baseUrl: string;
  keys: Array<{ name: string; value: { env: string }; weight?: number }>;
  keyStrategy?: string;
  timeoutMs?: number;
  headers?: Record<string, string>;
}

export interface ModelData {
  id: string;
  aliases: string[];
  context: number;
  capabilities: string[];
  pricing: { prompt: number; completion: number };
  upstreams: Array<{ provider: string; model: string; priority: number; pricing?: { prompt: number; completion: number } }>;
  fallbacks: string[];
}

export interface PresetData {
  name: string;
  model: string;
  models: string[];
  params: Record<string, unknown>;
}

/** A seeded PRNG, so a layout is reproducible from its seed. */
export const random = seededRandom;

function shuffle<T>(items: readonly T[], rnd: () => number): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Arrays (under these keys) whose order the config format defines as meaningless; every other array keeps its order. */
const UNORDERED = new Set(['aliases', 'capabilities', 'upstreams', 'failoverStatuses', 'parameters']);

/** Rebuilds `value` with every object's keys in a random order, and unordered arrays shuffled. */
function permute(value: unknown, rnd: () => number, parentKey = ''): unknown {
  if (Array.isArray(value)) {
    const items = value.map((v) => permute(v, rnd));
    return UNORDERED.has(parentKey) ? shuffle(items, rnd) : items;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of shuffle(Object.keys(value), rnd)) out[key] = permute((value as Record<string, unknown>)[key], rnd, key);
    return out;
  }
  return value;
}

const FILE_NAMES = ['a.yaml', 'b.yml', 'z.yaml', 'vendor/m.yaml', 'vendor/deep/n.yml', 'catalog.yaml'];

/** Writes `config` as files, laid out according to `seed`. */
export function layout(config: ConfigData, seed: number): FileTree {
  const rnd = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
  const files: FileTree = {};
  const yamlStyle = pick(['block', 'flow', 'any'] as const);
  const yaml = (value: unknown) => stringify(value, { collectionStyle: yamlStyle, lineWidth: 0 });

  // models: inline in the TS, or split over files in a folder whose name the config gives
  const models = shuffle(config.models, rnd).map((m) => permute(m, rnd));
  const inlineModels = rnd() < 0.25;
  const modelsDir = pick(['models', 'catalog/models']);
  if (!inlineModels) {
    const names = shuffle(FILE_NAMES, rnd).slice(0, 1 + Math.floor(rnd() * 3));
    const byFile = new Map<string, unknown[]>(names.map((n) => [n, []]));
    for (const model of models) byFile.get(pick(names))!.push(model);
    for (const [name, entries] of byFile) files[`${modelsDir}/${name}`] = yaml({ models: entries });
  }

  // presets: one per file, file names unrelated to preset names, or inline
  const presets = shuffle(config.presets, rnd).map((p) => permute(p, rnd));
  const inlinePresets = rnd() < 0.25;
  const presetNames = shuffle(['p1.yaml', 'p2.yaml', 'x/p3.yml', 'q.yaml', 'r.yml'], rnd);
  if (!inlinePresets) presets.forEach((p, i) => (files[`presets/${presetNames[i]}`] = yaml(p)));

  const top: Record<string, unknown> = { providers: permute(config.providers, rnd) };
  if (config.routing) top.routing = permute(config.routing, rnd);
  top.models = inlineModels ? models : modelsDir;
  if (inlinePresets) top.presets = presets;
  const withImport = rnd() < 0.5;
  let body = JSON.stringify(permute(top, rnd), null, pick([0, 2]));
  if (withImport) body = body.replace(/\{\s*"env":\s*("[A-Z0-9_]+")\s*\}/g, 'env($1)');
  files['anyrouter.config.ts'] = withImport
    ? `import { defineConfig, env } from 'anyrouter';\n\nexport default defineConfig(${body});\n`
    : `export default ${body};\n`;
  return files;
}
