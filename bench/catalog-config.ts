/**
 * A generated catalogue config, the same shape as bench/compile.ts uses: `models` models with `upstreams`
 * upstreams each over 10 providers (two keys each), YAML split over 20 files, a model fallback on every
 * tenth model, and 20 presets. Provider keys are env references `PROV<i>_KEY` and `PROV<i>_KEY_2`.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

export const CATALOG_PROVIDERS = Array.from({ length: 10 }, (_, i) => `prov${i}`);

/** Values for every provider key the config references. */
export function catalogEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const p of CATALOG_PROVIDERS) {
    env[`${p.toUpperCase()}_KEY`] = `bench-${p}-main`;
    env[`${p.toUpperCase()}_KEY_2`] = `bench-${p}-spare`;
  }
  return env;
}

/** Writes the config into `dir`; returns the path of anyrouter.config.ts. */
export async function writeCatalogConfig(dir: string, modelCount: number, upstreamCount: number): Promise<string> {
  await mkdir(path.join(dir, 'models'), { recursive: true });
  await mkdir(path.join(dir, 'presets'), { recursive: true });
  const providerLines = CATALOG_PROVIDERS.map(
    (p) => `    ${p}: { type: 'openai', baseUrl: 'https://${p}.example.com/v1', keys: [{ name: 'main', value: env('${p.toUpperCase()}_KEY') }, { name: 'spare', value: env('${p.toUpperCase()}_KEY_2') }], keyStrategy: 'round-robin' },`,
  ).join('\n');
  await writeFile(
    path.join(dir, 'anyrouter.config.ts'),
    `import { defineConfig, env } from 'anyrouter';\nexport default defineConfig({\n  providers: {\n${providerLines}\n  },\n  routing: { cooldownMs: 30000, maxAttempts: 6 },\n});\n`,
  );
  const perFile = Math.ceil(modelCount / 20);
  for (let f = 0; f < 20; f++) {
    const lines = ['models:'];
    for (let m = f * perFile; m < Math.min(modelCount, (f + 1) * perFile); m++) {
      lines.push(`  - id: vendor${m % 50}/model-${m}`, `    aliases: [model-${m}, m${m}]`, '    context: 128000', '    capabilities: [tools, json]', `    pricing: { prompt: ${(m % 17) / 4}, completion: ${(m % 23) / 2} }`, '    upstreams:');
      for (let u = 0; u < upstreamCount; u++) lines.push(`      - { provider: ${CATALOG_PROVIDERS[(m + u) % CATALOG_PROVIDERS.length]}, model: model-${m}, priority: ${(u * 7 + m) % upstreamCount} }`);
      if (m > 0 && m % 10 === 0) lines.push(`    fallbacks: [vendor${(m - 1) % 50}/model-${m - 1}]`);
    }
    await writeFile(path.join(dir, 'models', `file-${String(f).padStart(2, '0')}.yaml`), lines.join('\n') + '\n');
  }
  for (let p = 0; p < 20; p++) {
    await writeFile(path.join(dir, 'presets', `p${p}.yaml`), `name: p${p}\nmodel: vendor${p}/model-${p}\nmodels: [model-${p + 1}]\nprovider: { sort: price }\n`);
  }
  return path.join(dir, 'anyrouter.config.ts');
}
