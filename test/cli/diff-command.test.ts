/**
 * `anyrouter diff` as installed (`node bin/anyrouter.js`, the built lib/): both sides as files, both
 * as git revisions, the three formats, --fail-on exit codes, usage errors, and compile errors on a
 * side. Needs `npm run build` first (the test script does it).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedent, removeTempDirs, writeTree } from '../compiler/support.js';
import { BASE_TREE, HEAD_TREE, THREE_CHANGES, catalog } from './fixtures.js';
import { git, project, repoWith, requireBuiltCli, runCli } from './support.js';

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

/** base/ and head/ side by side in one folder. */
async function twoConfigs(): Promise<string> {
  const files: Record<string, string> = {};
  for (const [name, text] of Object.entries(BASE_TREE)) files[`base/${name}`] = text;
  for (const [name, text] of Object.entries(HEAD_TREE)) files[`head/${name}`] = text;
  return project(files);
}

const BASE = 'base/anyrouter.config.ts';
const HEAD = 'head/anyrouter.config.ts';

describe.concurrent('anyrouter diff <file> <file>', () => {
  it('--format json prints exactly the three changes, exit 0', async () => {
    const dir = await twoConfigs();
    const { code, stdout, stderr } = await runCli(['diff', BASE, HEAD, '--format', 'json'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(THREE_CHANGES);
  });

  it('text (the default) names both sides, counts the three and lists them per model', async () => {
    const dir = await twoConfigs();
    const { code, stdout } = await runCli(['diff', BASE, HEAD], dir);
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines.slice(0, 2)).toEqual([`routing diff ${BASE} -> ${HEAD}`, '3 changes: 1 removed-alias, 1 reordered-upstreams, 1 price-change']);
    expect(lines.filter((l) => l.startsWith('  '))).toEqual([
      '  price changed: prompt $2.5 → $2',
      '  alias removed: mini',
      expect.stringMatching(/^ {2}upstreams reordered: openai:gpt-5\.4-mini \(priority 1\), .* → openrouter:openai\/gpt-5\.4-mini \(priority 1\), openai:gpt-5\.4-mini \(priority 2\)$/),
    ]);
  });

  it('--format markdown prints a heading, a summary and one table row per change', async () => {
    const dir = await twoConfigs();
    const { code, stdout } = await runCli(['diff', BASE, HEAD, '--format', 'markdown'], dir);
    expect(code).toBe(0);
    expect(stdout.startsWith('### AnyRouter routing diff\n')).toBe(true);
    expect(stdout).toContain(`\`${BASE}\` → \`${HEAD}\`: **3 changes: 1 removed-alias, 1 reordered-upstreams, 1 price-change**`);
    const rows = stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| change |'));
    expect(rows.map((r) => r.split(' | ')[0])).toEqual(['| price changed', '| alias removed', '| upstreams reordered']);
  });

  it('a folder stands for the anyrouter.config.ts inside it', async () => {
    const dir = await twoConfigs();
    const { code, stdout } = await runCli(['diff', 'base', 'head', '--format', 'json'], dir);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(THREE_CHANGES);
  });

  it('--fail-on exits 1 when a listed kind occurs, naming it, and 0 when none does', async () => {
    const dir = await twoConfigs();
    const failing = await runCli(['diff', BASE, HEAD, '--fail-on', 'removed-model,removed-alias'], dir);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toContain('alias removed: mini');
    expect(failing.stderr).toBe('anyrouter diff: 1 change of a --fail-on kind (removed-alias)\n');
    const passing = await runCli(['diff', BASE, HEAD, '--fail-on', 'removed-model, removed-upstream'], dir);
    expect(passing.code).toBe(0);
    expect(passing.stderr).toBe('');
  });

  it('usage errors exit 2: an unknown kind, an unknown format, one side, a side that is neither file nor revision', async () => {
    const dir = await twoConfigs();
    const unknownKind = await runCli(['diff', BASE, HEAD, '--fail-on', 'removed-aliases'], dir);
    expect(unknownKind.code).toBe(2);
    expect(unknownKind.stderr).toContain("unknown change kind 'removed-aliases' in --fail-on (one of: added-model, removed-model,");
    expect((await runCli(['diff', BASE, HEAD, '--format', 'yaml'], dir)).code).toBe(2);
    expect((await runCli(['diff', BASE], dir)).code).toBe(2);
    const neither = await runCli(['diff', BASE, 'nope.config.ts'], dir);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toContain("'nope.config.ts' is neither a config file nor a git revision");
  });

  it('a side that does not compile: its diagnostics on stderr, nothing on stdout, exit 1', async () => {
    const dir = await twoConfigs();
    const broken = catalog({ miniFirst: 'openai', miniAliases: ['gpt-5.4-mini'], gpt54Prompt: 2 }).replace('provider: openrouter, model: openai/gpt-5.4,', 'provider: openrouterr, model: openai/gpt-5.4,');
    await writeFile(path.join(dir, 'head/models/openai.yaml'), broken);
    const { code, stdout, stderr } = await runCli(['diff', BASE, HEAD, '--fail-on', 'removed-model'], dir);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`anyrouter diff: ${HEAD} does not compile:\n`);
    expect(stderr).toMatch(/head\/models\/openai\.yaml:\d+:\d+: error AR200: unknown provider 'openrouterr'.*did you mean 'openrouter'/);
  });
});

describe.concurrent('anyrouter diff with git revisions', () => {
  it('diff HEAD <file>: the committed config against the edited work tree, exactly the three changes; the work tree is untouched', async () => {
    const repo = await repoWith(BASE_TREE);
    await writeTree(repo, HEAD_TREE);
    const before = git(repo, 'status', '--porcelain');
    const { code, stdout, stderr } = await runCli(['diff', 'HEAD', 'anyrouter.config.ts', '--format', 'json'], repo);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toEqual(THREE_CHANGES);
    expect(git(repo, 'status', '--porcelain')).toBe(before);
    expect(await readFile(path.join(repo, 'models/openai.yaml'), 'utf8')).toBe(HEAD_TREE['models/openai.yaml']);
  });

  it('diff HEAD~1 HEAD and REV:path forms, labelled by revision', async () => {
    const repo = await repoWith(BASE_TREE);
    await writeTree(repo, HEAD_TREE);
    git(repo, 'commit', '-q', '-am', 'head');
    const bare = await runCli(['diff', 'HEAD~1', 'HEAD', '--format', 'json'], repo);
    expect(bare.code).toBe(0);
    expect(JSON.parse(bare.stdout)).toEqual(THREE_CHANGES);
    const text = await runCli(['diff', 'HEAD~1:anyrouter.config.ts', 'main:anyrouter.config.ts'], repo);
    expect(text.code).toBe(0);
    expect(text.stdout.split('\n')[0]).toBe('routing diff HEAD~1:anyrouter.config.ts -> main:anyrouter.config.ts');
    expect(text.stdout).toContain('3 changes:');
  });

  it('a config in a subfolder with its own model folder and a local import, run from that subfolder', async () => {
    const providers = dedent(`
      import { env } from 'anyrouter';
      export const providers = {
        openai: { type: 'openai' as const, baseUrl: 'https://api.openai.com/v1', keys: [{ name: 'main', value: env('OPENAI_API_KEY') }] },
        openrouter: { type: 'openai' as const, baseUrl: 'https://openrouter.ai/api/v1', keys: [{ name: 'main', value: env('OPENROUTER_API_KEY') }] },
      };
    `);
    const config = dedent(`
      import { defineConfig } from 'anyrouter';
      import { providers } from './shared/providers.js';
      export default defineConfig({ providers, models: 'catalog', presets: 'presets' });
    `);
    const tree = (models: string) => ({
      'gateway/anyrouter.config.ts': config,
      'gateway/shared/providers.ts': providers,
      'gateway/catalog/openai.yaml': models,
      'gateway/presets/coding.yaml': BASE_TREE['presets/coding.yaml']!,
      'README.md': 'not part of the config\n',
    });
    const repo = await repoWith(tree(BASE_TREE['models/openai.yaml']!));
    await writeTree(repo, tree(HEAD_TREE['models/openai.yaml']!));
    const fromSubfolder = await runCli(['diff', 'HEAD', 'anyrouter.config.ts', '--format', 'json'], path.join(repo, 'gateway'));
    expect(fromSubfolder.stderr).toBe('');
    expect(JSON.parse(fromSubfolder.stdout)).toEqual(THREE_CHANGES);
    const fromRoot = await runCli(['diff', 'HEAD:gateway/anyrouter.config.ts', 'gateway/anyrouter.config.ts'], repo);
    expect(fromRoot.code).toBe(0);
    expect(fromRoot.stdout.split('\n')[0]).toBe('routing diff HEAD:gateway/anyrouter.config.ts -> gateway/anyrouter.config.ts');
    const withConfigFlag = await runCli(['diff', 'HEAD', 'gateway', '--config', 'gateway/anyrouter.config.ts', '--format', 'json'], repo);
    expect(JSON.parse(withConfigFlag.stdout)).toEqual(THREE_CHANGES);
  });

  it('a revision whose config does not compile: diagnostics named REV:path, exit 1', async () => {
    const broken = { ...BASE_TREE, 'models/openai.yaml': BASE_TREE['models/openai.yaml']!.replace('context: 400000', 'context: many') };
    const repo = await repoWith(broken);
    await writeTree(repo, HEAD_TREE);
    const { code, stderr } = await runCli(['diff', 'HEAD', 'anyrouter.config.ts'], repo);
    expect(code).toBe(1);
    expect(stderr).toContain('anyrouter diff: HEAD:anyrouter.config.ts does not compile:\n');
    expect(stderr).toMatch(/^HEAD:models\/openai\.yaml:\d+:\d+: error AR101: /m);
  });

  it('a revision without the config is an error naming the path, exit 1', async () => {
    const repo = await repoWith({ 'README.md': 'hello\n' });
    await writeTree(repo, HEAD_TREE);
    const { code, stderr } = await runCli(['diff', 'HEAD', 'anyrouter.config.ts'], repo);
    expect(code).toBe(1);
    expect(stderr).toContain('HEAD:anyrouter.config.ts: no such file at that revision');
  });
});
