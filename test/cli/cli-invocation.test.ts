/**
 * Printed follow-up commands say `anyrouter` only when that name on PATH runs this very CLI; otherwise
 * (a checkout, another install first on PATH) `npx anyrouter`. The rule, then `init`'s "next:" line and a
 * usage error's pointer to the help, spawned with a PATH that has or lacks the CLI.
 */
import { chmod, mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { invocationFor } from '../../src/cli/cli-invocation.js';
import { demoGuide } from '../../src/demo/demo-guide.js';
import { BIN, removeTempDirs, tempDir } from '../compiler/support.js';
import { project, requireBuiltCli, runCli } from './support.js';

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

/** A folder holding `anyrouter` as a symlink to `target` (as npm links a global bin). */
async function binDir(target: string): Promise<string> {
  const dir = await tempDir('anyrouter-path-');
  await symlink(target, path.join(dir, 'anyrouter'));
  return dir;
}

/** A folder holding some other executable `anyrouter`. */
async function otherAnyrouter(): Promise<string> {
  const dir = await tempDir('anyrouter-other-');
  await writeFile(path.join(dir, 'anyrouter'), '#!/bin/sh\n');
  await chmod(path.join(dir, 'anyrouter'), 0o755);
  return dir;
}

/** PATH without any `anyrouter`: only the folders that hold node and sh. */
const BARE_PATH = [path.dirname(process.execPath), '/usr/bin', '/bin'].join(path.delimiter);

describe('invocationFor', () => {
  it('is `anyrouter` when the first anyrouter on PATH resolves to the running bin, else `npx anyrouter`', async () => {
    const linked = await binDir(BIN);
    const other = await otherAnyrouter();
    expect(invocationFor({ bin: BIN, searchPath: [BARE_PATH, linked].join(path.delimiter), underNpm: false })).toBe('anyrouter');
    expect(invocationFor({ bin: BIN, searchPath: BARE_PATH, underNpm: false })).toBe('npx anyrouter');
    // another install earlier on PATH is what the shell would run
    expect(invocationFor({ bin: BIN, searchPath: [other, linked].join(path.delimiter), underNpm: false })).toBe('npx anyrouter');
    expect(invocationFor({ bin: BIN, searchPath: [linked, other].join(path.delimiter), underNpm: false })).toBe('anyrouter');
    expect(invocationFor({ bin: undefined, searchPath: linked, underNpm: false })).toBe('npx anyrouter');
    expect(invocationFor({ bin: BIN, searchPath: undefined, underNpm: false })).toBe('npx anyrouter');
  });

  it("under npm (npx, an npm script), a node_modules/.bin folder npm put on PATH does not count: the user's shell lacks it", async () => {
    const root = await tempDir('anyrouter-project-');
    const dotBin = path.join(root, 'node_modules', '.bin');
    await mkdir(dotBin, { recursive: true });
    await symlink(BIN, path.join(dotBin, 'anyrouter'));
    expect(invocationFor({ bin: BIN, searchPath: dotBin, underNpm: true })).toBe('npx anyrouter');
    expect(invocationFor({ bin: BIN, searchPath: dotBin, underNpm: false })).toBe('anyrouter');
  });
});

describe.concurrent('printed commands follow the rule', () => {
  const envWith = (searchPath: string) => ({ ...process.env, PATH: searchPath, npm_command: undefined });

  it("init's next: line", async () => {
    const linked = await binDir(BIN);
    const bare = await runCli(['init', 'a'], await project({}), envWith(BARE_PATH));
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stdout).toContain('next: cd a && npx anyrouter check && npx anyrouter build && OPENAI_API_KEY=... npx anyrouter serve\n');
    const onPath = await runCli(['init', 'a'], await project({}), envWith([BARE_PATH, linked].join(path.delimiter)));
    expect(onPath.stdout).toContain('next: cd a && anyrouter check && anyrouter build && OPENAI_API_KEY=... anyrouter serve\n');
  });

  it("a usage error's pointer to the full help", async () => {
    const bare = await runCli(['usage', '--by', 'nonsense'], await project({}), envWith(BARE_PATH));
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("run 'npx anyrouter --help' for every command\n");
  });
});

describe('the demo guide', () => {
  it('runs every printed command through the invocation it is given', () => {
    const guide = demoGuide({ url: 'http://127.0.0.1:8787', dbPath: '/w/.anyrouter/demo.db', configPath: '/w/.anyrouter/demo.config.json', faultRate: 0.3, cwd: '/w', cli: 'npx anyrouter' });
    const commands = guide.split('\n').filter((line) => /\banyrouter (claude|logs|usage|serve)\b/.test(line));
    expect(commands.length).toBe(3);
    for (const line of commands) expect(line).toMatch(/npx anyrouter (claude|logs|usage)/);
  });
});
