/** Helpers for the CLI tests: the built CLI in a temp folder, and small git repositories. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runCli, tempDir, writeTree, type CliResult, type FileTree } from '../compiler/support.js';

export { runCli, type CliResult };

/** Throws unless `npm run build` has produced lib/ (the spawned CLI runs the built code). */
export function requireBuiltCli(): void {
  if (!existsSync(fileURLToPath(new URL('../../lib/cli/main.js', import.meta.url)))) {
    throw new Error('lib/ is missing: run `npm run build` before these tests');
  }
}

export async function project(files: FileTree, prefix = 'anyrouter-cli-'): Promise<string> {
  const dir = await tempDir(prefix);
  await writeTree(dir, files);
  return dir;
}

/** git with a fixed identity and no user or system config, so commits work on any machine. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=AnyRouter Test', '-c', 'user.email=test@anyrouter.invalid', '-c', 'commit.gpgsign=false', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null', GIT_TERMINAL_PROMPT: '0' },
  });
}

/** A fresh repository holding `files` in one commit. */
export async function repoWith(files: FileTree): Promise<string> {
  const dir = await project(files, 'anyrouter-git-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  return dir;
}

/** The environment with no provider keys set (a check or build must not need them). */
export function envWithoutKeys(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/_API_KEY(_\d+)?$/.test(name)));
}
