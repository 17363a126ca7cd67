/**
 * `anyrouter init [DIR]`: scaffolds a config folder that passes `anyrouter check` with no provider
 * keys in the environment, whose YAML files start with a modeline pointing at schema files written
 * next to them; refuses to overwrite anything (exit 1, nothing written).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../compiler/support.js';
import { validate } from './json-schema-subset.js';
import { envWithoutKeys, project, requireBuiltCli, runCli } from './support.js';

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

const SCAFFOLD = ['anyrouter.config.ts', 'models/example.yaml', 'presets/example.yaml', 'schema/models.schema.json', 'schema/presets.schema.json'];

describe.concurrent('anyrouter init', () => {
  it('writes the config, an example model and preset, and the schemas; the result passes check and build with no keys set', async () => {
    const dir = await project({});
    const init = await runCli(['init', 'gateway'], dir);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    for (const file of SCAFFOLD) expect(init.stdout).toContain(`wrote ${path.join('gateway', file)}\n`);

    const gateway = path.join(dir, 'gateway');
    const config = await readFile(path.join(gateway, 'anyrouter.config.ts'), 'utf8');
    expect(config).toContain("import { defineConfig, env } from 'anyrouter';");
    expect(config).toContain("value: env('OPENAI_API_KEY')");
    expect(config).toMatch(/routing: \{ cooldownMs: 30_000, maxAttempts: 6 \}/);

    const env = envWithoutKeys();
    const check = await runCli(['check'], gateway, env);
    expect(check.stderr).toBe('config ok: 1 models, 1 presets\n');
    expect(check.code).toBe(0);
    const build = await runCli(['build', '--format', 'json'], gateway, env);
    expect(build.code).toBe(0);
    expect(JSON.parse(build.stdout)).toEqual([]); // no diagnostics, not even warnings
  });

  it('each YAML file starts with a modeline whose schema file exists next to it and accepts the file', async () => {
    const dir = await project({});
    expect((await runCli(['init'], dir)).code).toBe(0);
    for (const [yamlFile, schemaFile] of [
      ['models/example.yaml', 'schema/models.schema.json'],
      ['presets/example.yaml', 'schema/presets.schema.json'],
    ] as const) {
      const text = await readFile(path.join(dir, yamlFile), 'utf8');
      const modeline = /^# yaml-language-server: \$schema=(\S+)\n/.exec(text);
      expect(modeline, yamlFile).not.toBeNull();
      const pointedAt = path.resolve(path.dirname(path.join(dir, yamlFile)), modeline![1]!);
      expect(pointedAt).toBe(path.join(dir, schemaFile));
      const schema = JSON.parse(await readFile(pointedAt, 'utf8')) as Record<string, unknown>;
      expect(validate(schema, parse(text)), yamlFile).toEqual([]);
    }
  });

  it('refuses to overwrite: a second init exits 1, names the existing files and leaves them as they were', async () => {
    const dir = await project({});
    expect((await runCli(['init'], dir)).code).toBe(0);
    await writeFile(path.join(dir, 'models/example.yaml'), '# mine\nmodels: []\n');
    const again = await runCli(['init'], dir);
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toMatch(/^anyrouter init: not overwriting existing files anyrouter\.config\.ts, models\/example\.yaml, .*; nothing written\n$/);
    expect(await readFile(path.join(dir, 'models/example.yaml'), 'utf8')).toBe('# mine\nmodels: []\n');
  });

  it('one existing file is enough to write nothing at all', async () => {
    const dir = await project({ 'presets/example.yaml': 'name: mine\nmodel: x\n' });
    const result = await runCli(['init'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(`anyrouter init: not overwriting existing file ${path.join('presets', 'example.yaml')}; nothing written\n`);
    await expect(readFile(path.join(dir, 'anyrouter.config.ts'), 'utf8')).rejects.toThrow(/ENOENT/);
  });

  it('more than one folder is a usage error (exit 2)', async () => {
    const dir = await project({});
    expect((await runCli(['init', 'a', 'b'], dir)).code).toBe(2);
  });
});
