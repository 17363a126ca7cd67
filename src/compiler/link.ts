/** Pass 3, link: cross-references between providers, models, aliases, presets and fallbacks. */
import { didYouMeanSuffix } from '../naming/did-you-mean.js';
import { formatPath, type Finding } from './diagnostics.js';
import type { ProviderPreferences } from './schema/provider-preferences.js';
import type { ValidatedConfig } from './validate.js';

export interface LinkedConfig extends ValidatedConfig {
  /** Every id and alias (lowercased) to its canonical model id. */
  lookup: Map<string, string>;
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

  return { ...config, models, lookup };
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
