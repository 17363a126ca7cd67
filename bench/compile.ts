/**
 * Compiler benchmark: generates a 2,000-model x 5-upstream config (YAML split over 20 files) and times
 * `compile()` end to end, cold (first run, modules loading) and warm (median of the following runs).
 * Run: npm run bench:compile [-- --models N --upstreams K --runs R]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { compile } from '../src/compiler/compile.js';
import { writeCatalogConfig } from './catalog-config.js';

const { values } = parseArgs({ options: { models: { type: 'string', default: '2000' }, upstreams: { type: 'string', default: '5' }, runs: { type: 'string', default: '5' } } });
const modelCount = Number(values.models);
const upstreamCount = Number(values.upstreams);
const runs = Number(values.runs);

const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-bench-'));
try {
  const config = await writeCatalogConfig(dir, modelCount, upstreamCount);
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
