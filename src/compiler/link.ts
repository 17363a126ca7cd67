/** Pass 3, link: cross-references between providers, models, aliases, presets and fallbacks. */
import { didYouMeanSuffix } from '../naming/did-you-mean.js';
import { formatPath, type Finding } from './diagnostics.js';
import type { ProviderPreferences } from '../preferences/provider-preferences-schema.js';
import type { ValidatedConfig } from './validate.js';

export interface LinkedConfig extends ValidatedConfig {
  /** Every id and alias (lowercased) to its canonical model id. */
  lookup: Map<string, string>;
  /** Virtual pools with their ranked member ids. */
  pools: Array<{ id: string; description?: string; members: string[] }>;
}

export function link(config: ValidatedConfig, findings: Finding[], fileOf: (source: number) => string): LinkedConfig {
  const formatOrigin = (part: { source: number; path: (string | number)[] }) => (part.path.length > 0 ? `${fileOf(part.source)} at ${formatPath(part.path)}` : fileOf(part.source));
  // every declared provider counts as known, even one that failed validation, so errors do not cascade
  const providerIds = Object.keys(config.config.providers).sort();
  const providerSet = new Set(providerIds);
  const used = new Set<string>();
  const lookup = new Map<string, string>();
  const firstAt = new Map<string, string>();

  // ids first, so an alias colliding with an id is reported on the alias whatever the file order
  const models = [];
  for (const model of config.models) {
    const key = model.value.id.toLowerCase();
    if (lookup.has(key)) {
      findings.push({ severity: 'error', code: 'AR201', message: `duplicate model id '${model.value.id}' (first declared at ${firstAt.get(key)})`, at: { source: model.source, path: [...model.path, 'id'] } });
      continue;
    }
    lookup.set(key, model.value.id);
    firstAt.set(key, formatOrigin(model));
    models.push(model);
  }
  for (const model of models) {
    model.value.aliases.forEach((alias, i) => {
      const key = alias.toLowerCase();
      const owner = lookup.get(key);
      if (owner !== undefined) {
        if (owner === model.value.id) return;
        const what = owner.toLowerCase() === key ? 'the id of' : 'an alias of';
        findings.push({ severity: 'error', code: 'AR202', message: `alias '${alias}' of '${model.value.id}' is already ${what} '${owner}'`, at: { source: model.source, path: [...model.path, 'aliases', i] } });
        return;
      }
      lookup.set(key, model.value.id);
    });
  }

  const resolve = (name: string) => lookup.get(name.toLowerCase());
  // a reference to a model declared where the compiler could not read is not reported as unknown
  const isUnknownModel = (name: string) => resolve(name) === undefined && !config.invalidModelIds.has(name) && config.modelFilesRead;
  const known = () => [...lookup.values(), ...[...lookup.keys()]];

  for (const model of models) {
    const { value } = model;
    if (value.upstreams.length === 0) {
      findings.push({ severity: 'error', code: 'AR206', message: `model '${value.id}' has no upstream: add one under upstreams`, at: { source: model.source, path: [...model.path, 'id'] } });
    }
    const seen = new Set<string>();
    value.upstreams.forEach((upstream, i) => {
      const at = { source: model.source, path: [...model.path, 'upstreams', i, 'provider'] };
      if (!providerSet.has(upstream.provider)) {
        findings.push({ severity: 'error', code: 'AR200', message: `unknown provider '${upstream.provider}' in upstreams of '${value.id}'${didYouMeanSuffix(upstream.provider, providerIds)}`, at });
      } else used.add(upstream.provider);
      const pair = `${upstream.provider}\u0000${upstream.model}`;
      if (seen.has(pair)) {
        findings.push({ severity: 'warning', code: 'AR210', message: `upstream ${upstream.provider}/${upstream.model} is listed twice for '${value.id}'; the second is unreachable`, at: { source: model.source, path: [...model.path, 'upstreams', i] } });
      }
      seen.add(pair);
    });
    value.fallbacks.forEach((name, i) => {
      if (isUnknownModel(name)) {
        findings.push({ severity: 'error', code: 'AR204', message: `fallback '${name}' of '${value.id}' is not a known model${didYouMeanSuffix(name, known())}`, at: { source: model.source, path: [...model.path, 'fallbacks', i] } });
      }
    });
    checkPreferences(value.provider, providerIds, model.source, [...model.path, 'provider'], findings);
  }

  reportFallbackCycles(models, resolve, findings);

  const presetNames = new Map<string, string>();
  for (const preset of config.presets) {
    const { value } = preset;
    if (presetNames.has(value.name)) {
      findings.push({ severity: 'error', code: 'AR211', message: `duplicate preset '${value.name}' (first declared at ${presetNames.get(value.name)})`, at: { source: preset.source, path: [...preset.path, 'name'] } });
      continue;
    }
    presetNames.set(value.name, formatOrigin(preset));
    const refs: Array<[string, (string | number)[]]> = [[value.model, ['model']], ...value.models.map((m, i): [string, (string | number)[]] => [m, ['models', i]])];
    for (const [name, path] of refs) {
      if (isUnknownModel(name)) {
        findings.push({ severity: 'error', code: 'AR203', message: `preset '${value.name}' names unknown model '${name}'${didYouMeanSuffix(name, known())}`, at: { source: preset.source, path: [...preset.path, ...path] } });
      }
    }
    checkPreferences(value.provider, providerIds, preset.source, [...preset.path, 'provider'], findings);
  }

  for (const provider of config.providers) {
    if (provider.value.keys.length === 0) {
      findings.push({ severity: 'error', code: 'AR207', message: `provider '${provider.id}' has no key: add keys: [{ name: 'main', value: env('…') }]`, at: { source: provider.source, path: provider.path } });
    }
    const names = new Set<string>();
    provider.value.keys.forEach((key, i) => {
      if (names.has(key.name)) findings.push({ severity: 'error', code: 'AR213', message: `provider '${provider.id}' has two keys named '${key.name}'`, at: { source: provider.source, path: [...provider.path, 'keys', i, 'name'] } });
      names.add(key.name);
    });
    if (!used.has(provider.id) && !config.providersOfInvalidModels.has(provider.id) && config.modelFilesRead) {
      findings.push({ severity: 'warning', code: 'AR208', message: `provider '${provider.id}' is not used by any model`, at: { source: provider.source, path: provider.path, key: true } });
    }
  }

  const pools = linkPools(config, models, lookup, findings);
  return { ...config, models, lookup, pools };
}

function checkPreferences(prefs: ProviderPreferences | undefined, providerIds: string[], source: number, path: (string | number)[], findings: Finding[]): void {
  if (!prefs) return;
  const lower = new Set(providerIds.map((p) => p.toLowerCase()));
  for (const field of ['order', 'only', 'ignore'] as const) {
    prefs[field]?.forEach((name, i) => {
      if (!lower.has(name.toLowerCase())) {
        findings.push({ severity: 'warning', code: 'AR212', message: `provider.${field} names unknown provider '${name}'${didYouMeanSuffix(name, providerIds)}`, at: { source, path: [...path, field, i] } });
      }
    });
  }
}

function reportFallbackCycles(models: LinkedConfig['models'], resolve: (name: string) => string | undefined, findings: Finding[]): void {
  const byId = new Map(models.map((m) => [m.value.id, m]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const reported = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 'visiting');
    stack.push(id);
    const model = byId.get(id)!;
    model.value.fallbacks.forEach((name, i) => {
      const target = resolve(name);
      if (target === undefined || !byId.has(target)) return;
      if (state.get(target) === 'visiting') {
        const cycle = [...stack.slice(stack.indexOf(target)), target];
        const key = [...cycle].slice(0, -1).sort().join(',');
        if (!reported.has(key)) {
          reported.add(key);
          findings.push({ severity: 'error', code: 'AR205', message: `fallback cycle: ${cycle.join(' -> ')}`, at: { source: model.source, path: [...model.path, 'fallbacks', i] } });
        }
      } else if (state.get(target) === undefined) visit(target);
    });
    stack.pop();
    state.set(id, 'done');
  };
  for (const id of [...byId.keys()].sort()) if (state.get(id) === undefined) visit(id);
}

/**
 * Each pool's ranked members: the explicit list, or every model with the pool's capabilities by rank (then id).
 * A pool that does not ask for `embeddings` takes no embeddings model by capability: a chat request to the pool
 * would be refused by the embeddings model at its head.
 */
function linkPools(config: ValidatedConfig, models: LinkedConfig['models'], lookup: Map<string, string>, findings: Finding[]): LinkedConfig['pools'] {
  const pools: LinkedConfig['pools'] = [];
  const names = () => [...new Set([...lookup.values(), ...lookup.keys()])];
  for (const id of Object.keys(config.config.pools).sort()) {
    const spec = config.config.pools[id]!;
    const at = (...path: (string | number)[]) => ({ source: 0, path: ['pools', id, ...path] });
    const owner = lookup.get(id.toLowerCase());
    if (owner !== undefined) {
      findings.push({ severity: 'error', code: 'AR214', message: `pool '${id}' has the same name as model '${owner}'`, at: { ...at(), key: true } });
      continue;
    }
    let unresolved = 0;
    const resolve = (name: string, path: (string | number)[]) => {
      const target = lookup.get(name.toLowerCase());
      if (target === undefined) unresolved++;
      if (target === undefined && !config.invalidModelIds.has(name) && config.modelFilesRead) {
        findings.push({ severity: 'error', code: 'AR215', message: `pool '${id}' names unknown model '${name}'${didYouMeanSuffix(name, names())}`, at: at(...path) });
      }
      return target;
    };
    const excluded = new Set(spec.exclude.map((name, i) => resolve(name, ['exclude', i])).filter((m): m is string => m !== undefined));
    let members: string[];
    if (spec.members) {
      members = spec.members.map((name, i) => resolve(name, ['members', i])).filter((m): m is string => m !== undefined);
    } else {
      members = models
        .filter((m) => spec.capabilities.every((c) => m.value.capabilities.includes(c)))
        .filter((m) => spec.capabilities.includes('embeddings') || !m.value.capabilities.includes('embeddings'))
        .sort((a, b) => (b.value.rank ?? 0) - (a.value.rank ?? 0) || (a.value.id < b.value.id ? -1 : a.value.id > b.value.id ? 1 : 0))
        .map((m) => m.value.id);
    }
    members = [...new Set(members)].filter((m) => !excluded.has(m));
    if (members.length === 0 && unresolved === 0 && config.modelFilesRead) findings.push({ severity: 'warning', code: 'AR216', message: `pool '${id}' has no member: no model has ${spec.capabilities.join(', ') || 'the listed names'}`, at: { ...at(), key: true } });
    pools.push({ id, ...(spec.description !== undefined ? { description: spec.description } : {}), members });
  }
  return pools;
}
