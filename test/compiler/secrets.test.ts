/**
 * Secrets: the bundle holds env references, never values, whatever the environment holds at build
 * time; a literal key in the config is an error that prints neither the key nor a bundle.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RoutingBundle } from '../../src/bundle/format.js';
import { compile } from '../../src/compiler/compile.js';
import { OPENAI_CONFIG, OPENAI_MODELS, compileTree, positionOf, removeTempDirs, runCli, tempDir, writeTree } from './support.js';

const saved = new Map<string, string | undefined>();
function setEnv(name: string, value: string): void {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
});
afterAll(removeTempDirs);

const randomKey = () => `sk-proj-${randomBytes(24).toString('base64url')}`;

/** Every env var a bundle refers to: provider keys and env-valued headers. */
function envNames(bundle: RoutingBundle): string[] {
  const names = new Set<string>();
  for (const provider of Object.values(bundle.providers)) {
    for (const key of provider.keys) names.add(key.env);
    for (const value of Object.values(provider.headers)) if (typeof value === 'object') names.add(value.env);
  }
  return [...names].sort();
}

describe('secrets in the bundle', () => {
  it('with OPENAI_API_KEY set, the value is nowhere in the bundle, which holds the env reference', async () => {
    const value = randomKey();
    setEnv('OPENAI_API_KEY', value);
    const { result } = await compileTree({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/openai.yaml': OPENAI_MODELS });
    expect(result.text).toBeDefined();
    expect(result.text).not.toContain(value);
    expect(result.text).not.toContain(value.slice(8, 24));
    expect(result.text).toContain('"env": "OPENAI_API_KEY"');
  });

  it('`anyrouter build` with the key in its environment writes the reference, not the value', async () => {
    const dir = await tempDir('anyrouter-secrets-');
    await writeTree(dir, { 'anyrouter.config.ts': OPENAI_CONFIG, 'models/openai.yaml': OPENAI_MODELS });
    const value = randomKey();
    const { code, stdout, stderr } = await runCli(['build'], dir, { ...process.env, OPENAI_API_KEY: value });
    expect(code).toBe(0);
    const text = await readFile(path.join(dir, 'dist/routing.json'), 'utf8');
    expect(text).toContain('"env": "OPENAI_API_KEY"');
    expect(text + stdout + stderr).not.toContain(value);
  });

  it('the default catalog compiles to the same bytes with every key set as with none, and holds no key', async () => {
    const config = fileURLToPath(new URL('../../anyrouter.config.ts', import.meta.url));
    const bare = await compile(config);
    expect(bare.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const names = envNames(bare.bundle!);
    expect(names).toContain('OPENAI_API_KEY');
    const values = names.map((name) => {
      const value = randomKey();
      setEnv(name, value);
      return value;
    });
    const withKeys = await compile(config);
    expect(withKeys.text).toBe(bare.text);
    for (const value of values) expect(withKeys.text).not.toContain(value);
  });

  it('a literal key in the config fails `build` with AR209, prints no key and writes no bundle', async () => {
    const dir = await tempDir('anyrouter-secrets-');
    const literal = randomKey();
    const config = OPENAI_CONFIG.replace("env('OPENAI_API_KEY')", `'${literal}'`);
    await writeTree(dir, { 'anyrouter.config.ts': config, 'models/openai.yaml': OPENAI_MODELS });
    const { code, stdout, stderr } = await runCli(['build'], dir);
    const { line, column } = positionOf(config, `'${literal}'`);
    expect(code).toBe(1);
    expect(stderr).toContain(`anyrouter.config.ts:${line}:${column}: error AR209: this string looks like a provider secret`);
    expect(stdout + stderr).not.toContain(literal);
    expect(existsSync(path.join(dir, 'dist'))).toBe(false);
  });
});
