/**
 * Compiler benchmark: generates a 2,000-model x 5-upstream config (YAML split over 20 files) and times
 * `compile()` end to end, cold (first run, modules loading) and warm (median of the following runs).
 * Run: npm run bench:compile [-- --models N --upstreams K --runs R]
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { compile } from '../src/compiler/compile.js';

const { values } = parseArgs({ options: { models: { type: 'string', default: '2000' }, upstreams: { type: 'string', default: '5' }, runs: { type: 'string', default: '5' } } });
const modelCount = Number(values.models);
const upstreamCount = Number(values.upstreams);
const runs = Number(values.runs);

const providers = Array.from({ length: 10 }, (_, i) => `prov${i}`);

async function writeConfig(dir: string): Promise<string> {
  await mkdir(path.join(dir, 'models'), { recursive: true });
  await mkdir(path.join(dir, 'presets'), { recursive: true });
  const providerLines = providers
    .map((p) => `    ${p}: { type: 'openai', baseUrl: 'https://${p}.example.com/v1', keys: [{ name: 'main', value: env('${p.toUpperCase()}_KEY') }, { name: 'spare', value: env('${p.toUpperCase()}_KEY_2') }], keyStrategy: 'round-robin' },`)
    .join('\n');
  await writeFile(
    path.join(dir, 'anyrouter.config.ts'),
    `import { defineConfig, env } from 'anyrouter';\nexport default defineConfig({\n  providers: {\n${providerLines}\n  },\n  routing: { cooldownMs: 30000, maxAttempts: 6 },\n});\n`,
  );
  const perFile = Math.ceil(modelCount / 20);
  for (let f = 0; f < 20; f++) {
    const lines = ['models:'];
    for (let m = f * perFile; m < Math.min(modelCount, (f + 1) * perFile); m++) {
      lines.push(`  - id: vendor${m % 50}/model-${m}`, `    aliases: [model-${m}, m${m}]`, '    context: 128000', '    capabilities: [tools, json]', `    pricing: { prompt: ${(m % 17) / 4}, completion: ${(m % 23) / 2} }`, '    upstreams:');
      for (let u = 0; u < upstreamCount; u++) lines.push(`      - { provider: ${providers[(m + u) % providers.length]}, model: model-${m}, priority: ${(u * 7 + m) % upstreamCount} }`);
      if (m > 0 && m % 10 === 0) lines.push(`    fallbacks: [vendor${(m - 1) % 50}/model-${m - 1}]`);
    }
    await writeFile(path.join(dir, 'models', `file-${String(f).padStart(2, '0')}.yaml`), lines.join('\n') + '\n');
  }
  for (let p = 0; p < 20; p++) {
    await writeFile(path.join(dir, 'presets', `p${p}.yaml`), `name: p${p}\nmodel: vendor${p}/model-${p}\nmodels: [model-${p + 1}]\nprovider: { sort: price }\n`);
  }
  return path.join(dir, 'anyrouter.config.ts');
}

const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-bench-'));
try {
  const config = await writeConfig(dir);
  const times: number[] = [];
  let summary = '';
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    const result = await compile(config);
    times.push(performance.now() - start);
    if (result.diagnostics.some((d) => d.severity === 'error')) throw new Error(`bench config has errors: ${result.diagnostics[0]!.message}`);
    summary = `${result.bundle!.models.length} models, ${result.bundle!.models.reduce((n, m) => n + m.candidates.length, 0)} upstreams, bundle ${(result.text!.length / 1024 / 1024).toFixed(1)} MiB`;
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const median = warm.length > 0 ? warm[Math.floor(warm.length / 2)]! : times[0]!;
  console.log(`compile ${modelCount} models x ${upstreamCount} upstreams (${summary})`);
  console.log(`  cold: ${(times[0]! / 1000).toFixed(2)} s   warm median of ${warm.length}: ${(median / 1000).toFixed(2)} s   goal: < 3 s`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
