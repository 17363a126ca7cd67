/**
 * `anyrouter models [--for claude|codex]`: the catalog, and what suits a coding agent (tools and streaming,
 * agent-fit.ts): a property over generated catalogs, a compiled config with a pool and presets, and the CLI.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { BundleModel, RoutingBundle } from '../../src/bundle/format.js';
import { fitsCodingAgent } from '../../src/cli/agent-launch/agent-fit.js';
import { listModels } from '../../src/cli/commands/models.js';
import { compileTree, dedent, OPENAI_CONFIG, removeTempDirs } from '../compiler/support.js';
import { project, requireBuiltCli, runCli } from './support.js';

afterAll(removeTempDirs);

const CAPABILITIES = ['tools', 'streaming', 'vision', 'json', 'embeddings'] as const;

/** A catalog of generated models, pools over some of them, and presets naming a model. */
const catalogs = fc
  .uniqueArray(fc.record({ id: fc.stringMatching(/^m\/[a-z]{1,6}$/), capabilities: fc.subarray([...CAPABILITIES]) }), { minLength: 1, maxLength: 8, selector: (m) => m.id })
  .chain((models) => {
    const ids = models.map((m) => m.id);
    const pools = fc.uniqueArray(fc.record({ id: fc.stringMatching(/^anyrouter\/[a-z]{1,4}$/), members: fc.subarray(ids) }), { maxLength: 3, selector: (p) => p.id });
    const presets = fc.uniqueArray(fc.record({ name: fc.stringMatching(/^[a-z]{1,5}$/), model: fc.constantFrom(...ids) }), { maxLength: 3, selector: (p) => p.name });
    return fc.tuple(fc.constant(models), pools, presets);
  });

function bundleOf([models, pools, presets]: [Array<{ id: string; capabilities: string[] }>, Array<{ id: string; members: string[] }>, Array<{ name: string; model: string }>]): RoutingBundle {
  return {
    models: models.map((m) => ({ id: m.id, aliases: [], context: 1000, capabilities: m.capabilities, pricing: { prompt: 1, completion: 2 }, candidates: [], fallbacks: [] }) satisfies BundleModel),
    lookup: Object.fromEntries(models.map((m) => [m.id, m.id])),
    pools: Object.fromEntries(pools.map((p) => [p.id, p])),
    presets: Object.fromEntries(presets.map((p) => [p.name, { ...p, models: [], params: {} }])),
  } as unknown as RoutingBundle;
}

describe('listModels', () => {
  it('for an agent: exactly the models with tools and streaming, the pools whose members all have them, the presets whose model does', () => {
    fc.assert(
      fc.property(catalogs, (catalog) => {
        const bundle = bundleOf(catalog);
        const [models, pools, presets] = catalog;
        const fits = new Map(models.map((m) => [m.id, fitsCodingAgent(m.capabilities)]));
        const poolFits = new Map(pools.map((p) => [p.id, p.members.length > 0 && p.members.every((id) => fits.get(id))]));
        const listed = listModels(bundle, true);
        expect(listed.filter((l) => l.kind === 'model').map((l) => l.model)).toEqual(models.filter((m) => fits.get(m.id)).map((m) => m.id));
        expect(listed.filter((l) => l.kind === 'pool').map((l) => l.model).sort()).toEqual(pools.filter((p) => poolFits.get(p.id)).map((p) => p.id).sort());
        expect(listed.filter((l) => l.kind === 'preset').map((l) => l.model).sort()).toEqual(presets.filter((p) => fits.get(p.model)).map((p) => `@preset/${p.name}`).sort());
        for (const l of listed) expect(fitsCodingAgent(l.capabilities), l.model).toBe(true);
        // without an agent: every model, nothing else
        expect(listModels(bundle, false).map((l) => l.model)).toEqual(models.map((m) => m.id));
      }),
    );
  });
});

const MODELS = dedent(`
  models:
    - id: openai/coder
      aliases: [coder]
      context: 400000
      capabilities: [tools, streaming, json]
      pricing: { prompt: 0.25, completion: 2.0 }
      upstreams: [{ provider: openai, model: coder, priority: 1 }]
    - id: openai/no-stream
      context: 8000
      capabilities: [tools]
      pricing: { prompt: 0.1, completion: 0.2 }
      upstreams: [{ provider: openai, model: no-stream, priority: 1 }]
    - id: openai/embed
      context: 8000
      capabilities: [embeddings]
      pricing: { prompt: 0.02, completion: 0 }
      upstreams: [{ provider: openai, model: embed, priority: 1 }]
`);

const FILES = {
  'anyrouter.config.ts': OPENAI_CONFIG.replace("  providers: {", "  pools: { 'anyrouter/streamers': { capabilities: ['streaming'] }, 'anyrouter/all': { members: ['openai/coder', 'openai/no-stream'] } },\n  providers: {"),
  'models/openai.yaml': MODELS,
  'presets/code.yaml': 'name: code\nmodel: coder\n',
  'presets/plain.yaml': 'name: plain\nmodel: openai/no-stream\n',
};

describe('listModels on a compiled config', () => {
  it('names what to pass as --model: ids, fitting pools and presets', async () => {
    const { result } = await compileTree(FILES);
    expect(result.bundle, JSON.stringify(result.diagnostics)).toBeDefined();
    expect(listModels(result.bundle!, true).map((l) => `${l.kind} ${l.model}`)).toEqual(['model openai/coder', 'pool anyrouter/streamers', 'preset @preset/code']);
    expect(listModels(result.bundle!, false).map((l) => l.model)).toEqual(['openai/coder', 'openai/embed', 'openai/no-stream']);
  });
});

describe('anyrouter models (CLI)', () => {
  requireBuiltCli();

  it('prints the table, --for as JSON with its rule, and refuses an unknown agent with exit 2', async () => {
    const dir = await project(FILES);
    const table = await runCli(['models'], dir);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[0]).toMatch(/^model +aliases +context +\$\/1M in \/ out +capabilities$/);
    expect(table.stdout).toMatch(/openai\/coder +coder +400k +\$0\.25 \/ \$2 +json,streaming,tools/);
    expect(table.stdout).toContain('openai/embed');

    const json = await runCli(['models', '--for', 'codex', '--format', 'json'], dir);
    expect(json.code, json.stderr).toBe(0);
    const parsed = JSON.parse(json.stdout) as { for: string; rule: string; models: Array<{ model: string; kind: string }> };
    expect(parsed.for).toBe('codex');
    expect(parsed.rule).toContain('tools');
    expect(parsed.models.map((m) => m.model)).toEqual(['openai/coder', 'anyrouter/streamers', '@preset/code']);

    const text = await runCli(['models', '--for', 'claude'], dir, { ...process.env, OPENAI_API_KEY: 'sk-test-set' });
    // `npx anyrouter` where `anyrouter` on PATH is not this CLI (test/cli/cli-invocation.test.ts)
    expect(text.stdout).toMatch(/run: (npx )?anyrouter claude --model openai\/coder/);
    expect(text.stdout).not.toContain('openai/no-stream');

    const unknown = await runCli(['models', '--for', 'cursor'], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--for takes claude or codex, not 'cursor'");
  });

  it('--for marks what can be served now (a provider key set, as explain --env judges) and suggests only that', async () => {
    const dir = await project(FILES);
    const { OPENAI_API_KEY: _unset, ...withoutKey } = process.env;
    const none = await runCli(['models', '--for', 'claude'], dir, withoutKey);
    expect(none.code, none.stderr).toBe(0);
    expect(none.stdout.split('\n')[0]).toMatch(/ usable now$/);
    expect(none.stdout).toMatch(/openai\/coder .* no key\n/);
    expect(none.stdout).toContain('none can be served now: no upstream of them has a key in this environment (set one of OPENAI_API_KEY)');
    expect(none.stdout).not.toMatch(/run: (npx )?anyrouter/);
    const json = await runCli(['models', '--for', 'codex', '--format', 'json'], dir, withoutKey);
    expect((JSON.parse(json.stdout) as { models: Array<{ usable: boolean }> }).models.map((m) => m.usable)).toEqual([false, false, false]);

    const keyed = await runCli(['models', '--for', 'claude'], dir, { ...withoutKey, OPENAI_API_KEY: 'sk-test-set' });
    expect(keyed.stdout).toMatch(/openai\/coder .* yes\n/);
    expect(keyed.stdout).toMatch(/; run: (npx )?anyrouter claude --model openai\/coder/);
    expect(keyed.stdout).not.toContain('sk-test-set');
  });
});
