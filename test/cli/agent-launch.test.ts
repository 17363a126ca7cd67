/**
 * The launcher's pieces without a gateway: finding an agent's CLI (PATH, node_modules/.bin, the override
 * variable), the missing-CLI message, `--url` normalising, and what each agent is handed (properties over
 * generated environments and names).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { claudeCode, codex } from '../../src/cli/agent-launch/coding-agents.js';
import { findAgentCli, missingCliMessage, searchDirs } from '../../src/cli/agent-launch/find-agent-cli.js';
import { gatewayOrigin } from '../../src/cli/agent-launch/launch-gateway.js';
import { removeTempDirs, tempDir } from '../compiler/support.js';

afterAll(removeTempDirs);

async function executable(file: string, mode = 0o755): Promise<string> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, '#!/bin/sh\n');
  await chmod(file, mode);
  return file;
}

describe('findAgentCli', () => {
  it('PATH without the CLI, and no node_modules/.bin holding it: missing, with the install line to print', async () => {
    const root = await tempDir('anyrouter-find-');
    const bin = await executable(path.join(root, 'bin', 'not-claude'));
    const places = { env: { PATH: path.dirname(bin) }, cwd: root, packageRoot: path.join(root, 'pkg') };
    const lookup = await findAgentCli(claudeCode, places);
    expect(lookup).toEqual({ missing: "'claude' is not on PATH nor in node_modules/.bin" });
    const message = missingCliMessage(claudeCode, 'missing' in lookup ? lookup.missing : '');
    expect(message).toContain('Claude Code is not installed');
    expect(message).toContain('\n  npm i -g @anthropic-ai/claude-code\n');
    expect(missingCliMessage(codex, 'x')).toContain('npm i -g @openai/codex');
  });

  it('takes the first of PATH, then ./node_modules/.bin, then the package own; skips files that cannot run', async () => {
    const root = await tempDir('anyrouter-find-');
    const pkg = path.join(root, 'pkg');
    const inPackage = await executable(path.join(pkg, 'node_modules', '.bin', 'codex'));
    const places = { env: { PATH: [path.join(root, 'a'), path.join(root, 'b')].join(path.delimiter) }, cwd: root, packageRoot: pkg };
    expect(await findAgentCli(codex, places)).toEqual({ found: inPackage });
    const inCwd = await executable(path.join(root, 'node_modules', '.bin', 'codex'));
    expect(await findAgentCli(codex, places)).toEqual({ found: inCwd });
    await executable(path.join(root, 'a', 'codex'), 0o644);
    const onPath = await executable(path.join(root, 'b', 'codex'));
    expect(await findAgentCli(codex, places)).toEqual({ found: onPath });
    expect(searchDirs(places)).toEqual([path.join(root, 'a'), path.join(root, 'b'), path.join(root, 'node_modules', '.bin'), path.join(pkg, 'node_modules', '.bin')]);
  });

  it('the override variable names the executable; one that is not there is missing, naming the variable', async () => {
    const root = await tempDir('anyrouter-find-');
    const mine = await executable(path.join(root, 'my-claude'));
    expect(await findAgentCli(claudeCode, { env: { ANYROUTER_CLAUDE_BIN: 'my-claude' }, cwd: root })).toEqual({ found: mine });
    expect(await findAgentCli(claudeCode, { env: { ANYROUTER_CLAUDE_BIN: 'gone' }, cwd: root })).toEqual({ missing: 'ANYROUTER_CLAUDE_BIN=gone is not an executable file' });
  });
});

describe('gatewayOrigin (--url)', () => {
  it('drops a trailing slash and /v1, keeps a path prefix, refuses what is not an http URL', () => {
    expect(gatewayOrigin('http://127.0.0.1:8787')).toBe('http://127.0.0.1:8787');
    expect(gatewayOrigin('http://127.0.0.1:8787/')).toBe('http://127.0.0.1:8787');
    expect(gatewayOrigin('http://127.0.0.1:8787/v1/')).toBe('http://127.0.0.1:8787');
    expect(gatewayOrigin('https://gw.example.com/anyrouter/v1')).toBe('https://gw.example.com/anyrouter');
    expect(() => gatewayOrigin('127.0.0.1:8787')).toThrow(/--url/);
    expect(() => gatewayOrigin('ftp://host')).toThrow(/http/);
  });
});

const SLOTS = ['ANTHROPIC_SMALL_FAST_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL'];
const name = fc.string({ minLength: 1, maxLength: 20 });
const gateway = { url: 'http://127.0.0.1:4000', key: 'sk-ar-k' };

describe('what an agent is handed', () => {
  it('claude: every slot the user set is kept, every other is the model; the user Anthropic key never goes; the rest of the env passes', () => {
    const envs = fc.record({ slots: fc.dictionary(fc.constantFrom(...SLOTS), name), apiKey: fc.option(name, { nil: undefined }), other: name });
    fc.assert(
      fc.property(envs, name, fc.array(name, { maxLength: 4 }), ({ slots, apiKey, other }, model, args) => {
        const env: NodeJS.ProcessEnv = { ...slots, OTHER: other, ...(apiKey !== undefined ? { ANTHROPIC_API_KEY: apiKey } : {}) };
        const out = claudeCode.command(gateway, { model }, args, env);
        expect(out.args).toEqual(args);
        expect(out.env.ANTHROPIC_API_KEY).toBeUndefined();
        expect(out.env).toMatchObject({ ANTHROPIC_BASE_URL: gateway.url, ANTHROPIC_AUTH_TOKEN: gateway.key, ANTHROPIC_MODEL: model, OTHER: other });
        for (const slot of SLOTS) expect(out.env[slot]).toBe(slots[slot] || model);
        expect(env.ANTHROPIC_AUTH_TOKEN).toBeUndefined(); // the caller's env is not changed
      }),
    );
  });

  it('codex: every value is one -c override whose TOML string reads back as the value, before the user ARGS', () => {
    // names with what a TOML basic string must escape: quote, backslash, control characters and DEL
    const awkward = fc.string({ unit: fc.constantFrom('a', '/', '.', '"', '\\', '\n', '\t', '\x7f', 'é'), minLength: 1, maxLength: 12 });
    fc.assert(
      fc.property(awkward, fc.constantFrom('low', 'medium', 'high'), fc.array(name, { maxLength: 3 }), (model, effort, args) => {
        const out = codex.command(gateway, { model, effort }, args, {});
        const overrides = out.args.slice(0, -args.length || undefined);
        expect(out.args.slice(overrides.length)).toEqual(args);
        const values = new Map<string, string>();
        for (let i = 0; i < overrides.length; i += 2) {
          expect(overrides[i]).toBe('-c');
          const [key, ...rest] = overrides[i + 1]!.split('=');
          const value = rest.join('=');
          // one line, no raw control character or DEL: TOML's basic string rules, whose escapes JSON's are
          expect(value).toMatch(/^"[^\x00-\x1f\x7f]*"$/);
          values.set(key!, JSON.parse(value) as string);
        }
        expect(Object.fromEntries(values)).toEqual({
          model_provider: 'anyrouter',
          'model_providers.anyrouter.name': 'AnyRouter',
          'model_providers.anyrouter.base_url': `${gateway.url}/v1`,
          'model_providers.anyrouter.wire_api': 'responses',
          'model_providers.anyrouter.env_key': 'ANYROUTER_API_KEY',
          model,
          model_reasoning_effort: effort,
        });
        expect(out.env.ANYROUTER_API_KEY).toBe(gateway.key);
      }),
    );
  });
});
