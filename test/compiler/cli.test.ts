/**
 * The installed CLI (`node bin/anyrouter.js`, which runs the built lib/) in fresh temp folders with no
 * node_modules: exit codes, the `file:line:col: error ARnnn: message` format, `--format json`,
 * `build` output and summary, and `keys new`. Needs `npm run build` first (the test script does it).
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BARE_OPENAI_CONFIG, OPENAI_CONFIG, OPENAI_MODELS, dedent, positionOf, removeTempDirs, runCli, tempDir, writeTree, type FileTree } from './support.js';

async function project(files: FileTree): Promise<string> {
  const dir = await tempDir('anyrouter-cli-');
  await writeTree(dir, files);
  return dir;
}

beforeAll(() => {
  if (!existsSync(fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url)))) {
    throw new Error('lib/ is missing: run `npm run build` before these tests');
  }
});
afterAll(removeTempDirs);

/** One upstream names a misspelled provider; the other keeps `openai` used (so no AR208 warning). */
const MISSPELLED_YAML = OPENAI_MODELS + '      - { provider: opneai, model: gpt-5.4-mini-2026, priority: 2 }\n';

const INLINE_TS = dedent(`
  import { defineConfig, env } from 'anyrouter';

  export default defineConfig({
    providers: {
      openai: {
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        keys: [{ name: 'main', value: env('OPENAI_API_KEY') }],
      },
    },
    models: [
      {
        id: 'openai/gpt-5.4-mini',
        context: 400_000,
        pricing: { prompt: 0.25, completion: 2 },
        upstreams: [{ provider: 'opneai', model: 'gpt-5.4-mini' }],
      },
    ],
  });
`);

describe.concurrent('anyrouter check', () => {
  it('reports a misspelled provider at its YAML line and column with a did-you-mean, exit 1', async () => {
    const dir = await project({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/x.yaml': MISSPELLED_YAML });
    const { code, stderr, stdout } = await runCli(['check'], dir);
    const { line, column } = positionOf(MISSPELLED_YAML, 'opneai');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.split('\n')).toContain(
      `models/x.yaml:${line}:${column}: error AR200: unknown provider 'opneai' in upstreams of 'openai/gpt-5.4-mini' (did you mean 'openai'?)`,
    );
    expect(stderr).toMatch(/^1 error, 0 warnings$/m);
  });

  it('reports the same mistake in inline TS models at its TS line and column', async () => {
    const dir = await project({ 'anyrouter.config.ts': INLINE_TS });
    const { code, stderr } = await runCli(['check'], dir);
    const { line, column } = positionOf(INLINE_TS, `'opneai'`);
    expect(code).toBe(1);
    expect(stderr.split('\n')).toContain(
      `anyrouter.config.ts:${line}:${column}: error AR200: unknown provider 'opneai' in upstreams of 'openai/gpt-5.4-mini' (did you mean 'openai'?)`,
    );
  });

  it('prints the diagnostics as a JSON array with --format json', async () => {
    const dir = await project({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/x.yaml': MISSPELLED_YAML });
    const { code, stdout } = await runCli(['check', '--format', 'json'], dir);
    expect(code).toBe(1);
    const diagnostics = JSON.parse(stdout) as unknown;
    expect(Array.isArray(diagnostics)).toBe(true);
    expect(diagnostics).toEqual([
      {
        file: 'models/x.yaml',
        ...positionOf(MISSPELLED_YAML, 'opneai'),
        code: 'AR200',
        severity: 'error',
        message: "unknown provider 'opneai' in upstreams of 'openai/gpt-5.4-mini' (did you mean 'openai'?)",
      },
    ]);
  });

  it('finds the config given with --config from another folder, and its models next to it', async () => {
    const dir = await project({ 'conf/anyrouter.config.ts': OPENAI_CONFIG, 'conf/models/x.yaml': MISSPELLED_YAML });
    const elsewhere = await tempDir('anyrouter-cli-cwd-');
    const { code, stderr } = await runCli(['check', '--config', path.join(dir, 'conf/anyrouter.config.ts')], elsewhere);
    const { line, column } = positionOf(MISSPELLED_YAML, 'opneai');
    expect(code).toBe(1);
    // outside the working directory, the file is shown by its absolute path
    expect(stderr).toContain(`${path.join(dir, 'conf/models/x.yaml')}:${line}:${column}: error AR200:`);
  });

  it('exits 0 on a clean config, with and without the anyrouter import', async () => {
    for (const config of [OPENAI_CONFIG, BARE_OPENAI_CONFIG]) {
      const dir = await project({ 'anyrouter.config.ts': config, 'models/openai.yaml': OPENAI_MODELS });
      const { code, stderr } = await runCli(['check'], dir);
      expect(stderr).toBe('config ok: 1 models, 0 presets\n');
      expect(code).toBe(0);
    }
  });

  it('exits 0 when there are only warnings, and prints them', async () => {
    const config = OPENAI_CONFIG.replace('    openai: {', "    groq: { type: 'openai', baseUrl: 'https://api.groq.com/openai/v1', keys: [{ name: 'main', value: env('GROQ_API_KEY') }] },\n    openai: {");
    const dir = await project({ 'anyrouter.config.ts': config, 'models/openai.yaml': OPENAI_MODELS });
    const { code, stderr } = await runCli(['check'], dir);
    const { line, column } = positionOf(config, 'groq');
    expect(stderr).toContain(`anyrouter.config.ts:${line}:${column}: warning AR208: provider 'groq' is not used by any model\n0 errors, 1 warning\n`);
    expect(code).toBe(0);
  });

  it('exits 1 with AR001 when there is no config', async () => {
    const dir = await project({});
    const { code, stderr } = await runCli(['check'], dir);
    expect(code).toBe(1);
    expect(stderr).toContain('anyrouter.config.ts:1:1: error AR001: cannot read config: no such file');
  });

  it.each([
    [['check', '--bogus']],
    [['check', '--format', 'xml']],
    [['frobnicate']],
    [[]],
    [['keys']],
    [['keys', 'new']],
    [['keys', 'new', 'ci', '--rpm', 'lots']],
  ])('exits 2 on a usage error: %j', async (args) => {
    const dir = await project({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/openai.yaml': OPENAI_MODELS });
    const { code, stdout, stderr } = await runCli(args, dir);
    expect(code).toBe(2);
    // the whole help (no command) or that command's usage lines
    expect(stdout + stderr).toMatch(/Usage:\s+anyrouter/);
  });
});

describe.concurrent('anyrouter build', () => {
  it('writes dist/routing.json and prints a summary with its content hash', async () => {
    const dir = await project({
      'anyrouter.config.ts': OPENAI_CONFIG,
      'models/openai.yaml': OPENAI_MODELS,
      'presets/fast.yaml': 'name: fast\nmodel: gpt-5.4-mini\n',
    });
    const { code, stdout, stderr } = await runCli(['build'], dir);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const text = await readFile(path.join(dir, 'dist/routing.json'), 'utf8');
    const bundle = JSON.parse(text) as { hash: string; format: string; models: Array<{ id: string }>; presets: Record<string, unknown> };
    expect(bundle.format).toMatch(/^anyrouter\.routing\/v\d+$/);
    expect(bundle.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(stdout).toBe(`wrote dist/routing.json: 1 models, 1 upstreams, 1 providers, 1 presets, 1 aliases, hash ${bundle.hash}\n`);
    // the hash covers the content: recompute it over the bundle without its hash
    const { hash, ...content } = bundle;
    expect(hash).toBe('sha256:' + createHash('sha256').update(JSON.stringify(content)).digest('hex'));
  });

  it('writes where --out says and writes nothing when the config has errors', async () => {
    const dir = await project({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/openai.yaml': OPENAI_MODELS });
    expect((await runCli(['build', '--out', 'out/table.json'], dir)).code).toBe(0);
    expect(existsSync(path.join(dir, 'out/table.json'))).toBe(true);

    const broken = await project({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/x.yaml': MISSPELLED_YAML });
    const { code, stderr } = await runCli(['build'], broken);
    expect(code).toBe(1);
    expect(stderr).toContain('error AR200');
    expect(existsSync(path.join(broken, 'dist/routing.json'))).toBe(false);
  });
});

describe.concurrent('anyrouter keys new', () => {
  it('prints an sk-ar- key and a config line holding its sha256, which compiles into the bundle', async () => {
    const dir = await project({});
    const { code, stdout } = await runCli(['keys', 'new', 'ci-bot', '--models', 'openai/*,gpt-5.4-mini', '--rpm', '60'], dir);
    expect(code).toBe(0);
    const key = /^key: +(sk-ar-[A-Za-z0-9_-]+)$/m.exec(stdout)?.[1];
    const line = /^config: +auth\.gatewayKeys: \[(\{.*\})\]$/m.exec(stdout)?.[1];
    expect(key).toBeDefined();
    expect(line).toBeDefined();
    const sha256 = createHash('sha256').update(key!).digest('hex');
    expect(line).toBe(`{ name: 'ci-bot', sha256: '${sha256}', models: ['openai/*', 'gpt-5.4-mini'], rpm: 60 }`);

    // the printed line pastes into a config as is
    await writeTree(dir, {
      'anyrouter.config.ts': OPENAI_CONFIG.replace('  providers: {', `  auth: { gatewayKeys: [${line!}] },\n  providers: {`),
      'models/openai.yaml': OPENAI_MODELS,
    });
    const build = await runCli(['build'], dir);
    expect(build.code).toBe(0);
    const text = await readFile(path.join(dir, 'dist/routing.json'), 'utf8');
    expect(text).not.toContain(key!);
    const bundle = JSON.parse(text) as { auth: { gatewayKeys: Array<{ name: string; sha256: string; models: string[]; rpm?: number }> } };
    expect(bundle.auth.gatewayKeys).toEqual([{ name: 'ci-bot', sha256, models: ['openai/*', 'gpt-5.4-mini'], rpm: 60 }]);
  });

  it('prints a different key each time', async () => {
    const dir = await project({});
    const [a, b] = await Promise.all([runCli(['keys', 'new', 'x'], dir), runCli(['keys', 'new', 'x'], dir)]);
    expect(a.stdout).not.toBe(b.stdout);
  });
});
