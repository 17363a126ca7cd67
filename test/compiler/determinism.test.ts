/**
 * The bundle is byte-identical for the same input: across runs, and across every way of writing the
 * same config (file split and names, entry order, key order, YAML style, TS form). Orders that carry
 * meaning (a provider's keys, a model's fallbacks) still change it.
 */
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';
import { layout, type ConfigData, type ModelData, type PresetData, type ProviderData } from './layout.js';
import { removeTempDirs, runCli, tempDir, writeTree, type FileTree } from './support.js';

afterAll(removeTempDirs);

async function compileLayout(files: FileTree): Promise<{ text: string; hash: string }> {
  const dir = await tempDir('anyrouter-determinism-');
  await writeTree(dir, files);
  const result = await compile(path.join(dir, 'anyrouter.config.ts'));
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (!result.text || !result.bundle) throw new Error(`config did not compile:\n${errors.map((d) => `${d.file}:${d.line}:${d.column} ${d.code} ${d.message}`).join('\n')}\n${JSON.stringify(files, null, 2)}`);
  return { text: result.text, hash: result.bundle.hash };
}

/** A small but complete catalog: providers with key pools, models with equal-priority upstreams, fallbacks and presets. */
const CATALOG: ConfigData = {
  providers: {
    openai: {
      type: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      keys: [
        { name: 'main', value: { env: 'OPENAI_API_KEY' } },
        { name: 'spare', value: { env: 'OPENAI_API_KEY_2' }, weight: 2 },
      ],
      keyStrategy: 'weighted',
      headers: { 'OpenAI-Beta': 'assistants=v2', 'X-Team': 'core' },
    },
    openrouter: { type: 'openai', baseUrl: 'https://openrouter.ai/api/v1/', keys: [{ name: 'main', value: { env: 'OPENROUTER_API_KEY' } }] },
    together: { type: 'openai', baseUrl: 'https://api.together.xyz/v1', keys: [{ name: 'main', value: { env: 'TOGETHER_API_KEY' } }], timeoutMs: 90_000 },
    anthropic: { type: 'anthropic', baseUrl: 'https://api.anthropic.com/v1', keys: [{ name: 'main', value: { env: 'ANTHROPIC_API_KEY' } }] },
  },
  routing: { cooldownMs: 15_000, maxAttempts: 4, failoverStatuses: ['5xx', 429, 408, 401] },
  models: [
    {
      id: 'openai/gpt-5.4',
      aliases: ['gpt-5.4', 'GPT-5.4', 'gpt5'],
      context: 400_000,
      capabilities: ['vision', 'tools', 'json'],
      pricing: { prompt: 1.25, completion: 10 },
      upstreams: [
        { provider: 'openai', model: 'gpt-5.4', priority: 1 },
        { provider: 'openrouter', model: 'openai/gpt-5.4', priority: 2 },
        { provider: 'together', model: 'openai/gpt-5.4', priority: 2, pricing: { prompt: 1.5, completion: 12 } },
      ],
      fallbacks: ['openai/gpt-5.4-mini', 'sonnet'],
    },
    {
      id: 'openai/gpt-5.4-mini',
      aliases: ['gpt-5.4-mini'],
      context: 400_000,
      capabilities: ['tools'],
      pricing: { prompt: 0.25, completion: 2 },
      upstreams: [
        { provider: 'openrouter', model: 'openai/gpt-5.4-mini', priority: 1 },
        { provider: 'openai', model: 'gpt-5.4-mini', priority: 1 },
      ],
      fallbacks: [],
    },
    {
      id: 'anthropic/claude-sonnet-4.6',
      aliases: ['sonnet', 'claude-sonnet-4.6'],
      context: 1_000_000,
      capabilities: ['tools', 'vision', 'reasoning'],
      pricing: { prompt: 3, completion: 15 },
      upstreams: [
        { provider: 'anthropic', model: 'claude-sonnet-4-6', priority: 0 },
        { provider: 'openrouter', model: 'anthropic/claude-sonnet-4.6', priority: 5 },
      ],
      fallbacks: ['gpt-5.4-mini'],
    },
  ],
  presets: [
    { name: 'coding', model: 'sonnet', models: ['openai/gpt-5.4', 'gpt5'], params: { temperature: 0.2, top_p: 0.9 } },
    { name: 'cheap', model: 'gpt-5.4-mini', models: [], params: { reasoning: { effort: 'low', summary: 'auto' } } },
  ],
};

describe('bundle determinism', () => {
  it('`anyrouter build` twice, and on the same config written another way, gives byte-identical bundles', async () => {
    const first = await tempDir('anyrouter-determinism-');
    const second = await tempDir('anyrouter-determinism-');
    const filesA = layout(CATALOG, 1);
    const filesB = layout(CATALOG, 2);
    expect(filesB).not.toEqual(filesA);
    await writeTree(first, filesA);
    await writeTree(second, filesB);
    const runs = await Promise.all([runCli(['build', '--out', 'one.json'], first), runCli(['build', '--out', 'two.json'], first), runCli(['build'], second)]);
    for (const run of runs) expect(run, run.stderr).toMatchObject({ code: 0 });
    const one = await readFile(path.join(first, 'one.json'));
    const two = await readFile(path.join(first, 'two.json'));
    const other = await readFile(path.join(second, 'dist/routing.json'));
    expect(two.equals(one)).toBe(true);
    expect(other.toString()).toBe(one.toString());
  });

  it('ranks candidates by priority then provider id, whatever the order they are written in', async () => {
    const { text } = await compileLayout(layout(CATALOG, 3));
    const bundle = JSON.parse(text) as { models: Array<{ id: string; candidates: Array<{ provider: string; priority: number }> }> };
    const candidates = (id: string) => bundle.models.find((m) => m.id === id)!.candidates.map((c) => `${c.priority}:${c.provider}`);
    expect(candidates('openai/gpt-5.4')).toEqual(['1:openai', '2:openrouter', '2:together']);
    expect(candidates('openai/gpt-5.4-mini')).toEqual(['1:openai', '1:openrouter']);
  });

  it('keeps orders that mean something: a provider key list and a fallback list', async () => {
    const base = await compileLayout(layout(CATALOG, 4));
    const openai = CATALOG.providers.openai!;
    const swappedKeys: ConfigData = { ...CATALOG, providers: { ...CATALOG.providers, openai: { ...openai, keys: [...openai.keys].reverse() } } };
    const swappedFallbacks: ConfigData = { ...CATALOG, models: CATALOG.models.map((m) => ({ ...m, fallbacks: [...m.fallbacks].reverse() })) };
    expect((await compileLayout(layout(swappedKeys, 4))).hash).not.toBe(base.hash);
    expect((await compileLayout(layout(swappedFallbacks, 4))).hash).not.toBe(base.hash);
  });

  it('property: any valid config, written in two random layouts, compiles to the same bytes and hash', async () => {
    await fc.assert(
      fc.asyncProperty(configArbitrary(), fc.integer(), fc.integer(), async (config, seedA, seedB) => {
        const [a, b] = await Promise.all([compileLayout(layout(config, seedA)), compileLayout(layout(config, seedB))]);
        expect(b.text).toBe(a.text);
        expect(b.hash).toBe(a.hash);
        expect(JSON.parse(a.text)).toMatchObject({ hash: a.hash });
      }),
      { numRuns: 15 },
    );
  });
});

/** Random valid configs: unique ids and aliases, distinct upstreams, fallbacks only to later models (no cycles). */
function configArbitrary(): fc.Arbitrary<ConfigData> {
  const providerIds = fc.uniqueArray(fc.constantFrom('openai', 'anthropic', 'groq', 'mistral', 'together', 'deepseek'), { minLength: 1, maxLength: 4 });
  const provider = (id: string): fc.Arbitrary<ProviderData> =>
    fc.record(
      {
        type: fc.constantFrom('openai', 'anthropic', 'gemini'),
        baseUrl: fc.constantFrom(`https://api.${id}.example/v1`, `https://api.${id}.example/v1/`, `http://localhost:8000/${id}`),
        keys: fc
          .uniqueArray(fc.constantFrom('main', 'spare', 'backup'), { minLength: 1, maxLength: 3 })
          .chain((names) => fc.tuple(...names.map((name, i) => fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }).map((weight) => ({ name, value: { env: `${id.toUpperCase()}_API_KEY${i ? `_${i + 1}` : ''}` }, ...(weight ? { weight } : {}) }))))),
        keyStrategy: fc.constantFrom('fallback', 'round-robin', 'weighted', 'random'),
        timeoutMs: fc.integer({ min: 1000, max: 600_000 }),
        headers: fc.dictionary(fc.constantFrom('x-a', 'x-b', 'X-Team', 'anthropic-beta'), fc.constantFrom('1', 'on', 'tools-2026')),
      },
      { requiredKeys: ['type', 'baseUrl', 'keys'] },
    );
  const upstreamDraft = fc.record({ provider: fc.nat(), model: fc.constantFrom('m-a', 'm-b', 'vendor/m-c'), priority: fc.integer({ min: 0, max: 2 }), priced: fc.boolean() });
  const modelDraft = fc.record({
    vendor: fc.constantFrom('openai', 'anthropic', 'meta-llama', 'qwen'),
    aliasCount: fc.integer({ min: 0, max: 2 }),
    upperAlias: fc.boolean(),
    context: fc.integer({ min: 1, max: 2_000_000 }),
    capabilities: fc.uniqueArray(fc.constantFrom('tools', 'vision', 'json', 'reasoning', 'streaming'), { maxLength: 4 }),
    prompt: fc.integer({ min: 0, max: 3000 }).map((n) => n / 100),
    completion: fc.integer({ min: 0, max: 9000 }).map((n) => n / 100),
    upstreams: fc.array(upstreamDraft, { minLength: 1, maxLength: 4 }),
    fallbacks: fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 2 }),
  });
  const presetDraft = fc.record({ model: fc.nat(), models: fc.array(fc.nat(), { maxLength: 2 }), temperature: fc.option(fc.integer({ min: 0, max: 20 }).map((n) => n / 10), { nil: undefined }) });
  const routing = fc.option(
    fc.record({ cooldownMs: fc.integer({ min: 0, max: 60_000 }), maxAttempts: fc.integer({ min: 1, max: 10 }), failoverStatuses: fc.uniqueArray(fc.constantFrom(401, 403, 408, 429, 500, 503, '5xx', '4xx'), { minLength: 1 }) }, { requiredKeys: [] }),
    { nil: undefined },
  );

  return providerIds.chain((ids) =>
    fc
      .record({
        providers: fc.tuple(...ids.map(provider)),
        routing,
        models: fc.array(modelDraft, { minLength: 1, maxLength: 6 }),
        presets: fc.array(presetDraft, { maxLength: 3 }),
      })
      .map(({ providers, routing, models: drafts, presets: presetDrafts }): ConfigData => {
        const models: ModelData[] = drafts.map((d, i) => {
          const id = `${d.vendor}/model-${i}`;
          const aliases = Array.from({ length: d.aliasCount }, (_, k) => `m${i}-${k}`);
          if (d.upperAlias && aliases[0]) aliases.push(aliases[0].toUpperCase());
          const seen = new Set<string>();
          const upstreams = d.upstreams.flatMap((u) => {
            const provider = ids[u.provider % ids.length]!;
            if (seen.has(`${provider} ${u.model}`)) return [];
            seen.add(`${provider} ${u.model}`);
            return [{ provider, model: u.model, priority: u.priority, ...(u.priced ? { pricing: { prompt: d.prompt + 1, completion: d.completion + 1 } } : {}) }];
          });
          return { id, aliases, context: d.context, capabilities: d.capabilities, pricing: { prompt: d.prompt, completion: d.completion }, upstreams, fallbacks: [] };
        });
        // a model may fall back only to a later one (by id or alias), so there is never a cycle
        const nameOf = (j: number, byAlias: boolean) => (byAlias && models[j]!.aliases[0]) || models[j]!.id;
        drafts.forEach((d, i) => {
          const later = models.length - i - 1;
          if (later > 0) models[i]!.fallbacks = [...new Set(d.fallbacks.map(([k, byAlias]) => nameOf(i + 1 + (k % later), byAlias)))];
        });
        const presets: PresetData[] = presetDrafts.map((p, i) => ({
          name: `preset-${i}`,
          model: nameOf(p.model % models.length, p.model % 2 === 0),
          models: p.models.map((k) => nameOf(k % models.length, k % 3 === 0)),
          params: p.temperature === undefined ? {} : { temperature: p.temperature, nested: { b: 1, a: [2, 1] } },
        }));
        return { providers: Object.fromEntries(ids.map((id, i) => [id, providers[i]!])), ...(routing ? { routing } : {}), models, presets };
      }),
  );
}
