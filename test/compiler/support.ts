/** Helpers for the compiler tests: write a config tree into a fresh temp folder and compile it. */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile, type CompileResult } from '../../src/compiler/compile.js';
import type { Diagnostic } from '../../src/compiler/diagnostics.js';

export type FileTree = Record<string, string>;

const made: string[] = [];

/** A fresh empty folder under the OS temp dir (outside any node_modules), removed by `removeTempDirs`. */
export async function tempDir(prefix = 'anyrouter-compiler-'): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

export async function writeTree(dir: string, files: FileTree): Promise<void> {
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
}

/** Writes `files` into a fresh folder and compiles its `anyrouter.config.ts`. */
export async function compileTree(files: FileTree, config = 'anyrouter.config.ts'): Promise<{ dir: string; result: CompileResult }> {
  const dir = await tempDir();
  await writeTree(dir, files);
  const result = await compile(path.join(dir, config));
  return { dir, result };
}

/** Strips the common leading indentation and the first newline, so fixtures can be written inline. */
export function dedent(text: string): string {
  const lines = text.replace(/^\n/, '').replace(/\n[ \t]*$/, '\n').split('\n');
  const indents = lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)![0].length);
  const cut = Math.min(...indents);
  return lines.map((l) => l.slice(cut)).join('\n');
}

/** A diagnostic with the file relative to the fixture folder, for compact assertions. */
export interface Expected {
  code: Diagnostic['code'];
  severity: Diagnostic['severity'];
  file: string;
  line: number;
  column: number;
}

export function relativeTo(dir: string, diagnostics: readonly Diagnostic[]): Array<Expected & { message: string }> {
  return diagnostics.map((d) => ({
    code: d.code,
    severity: d.severity,
    file: path.isAbsolute(d.file) ? path.relative(dir, d.file) : path.relative(dir, path.resolve(d.file)),
    line: d.line,
    column: d.column,
    message: d.message,
  }));
}

/** One provider (`openai`) with an env key; the shape most fixtures start from. */
export const OPENAI_CONFIG = dedent(`
  import { defineConfig, env } from 'anyrouter';

  export default defineConfig({
    providers: {
      openai: {
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        keys: [{ name: 'main', value: env('OPENAI_API_KEY') }],
      },
    },
  });
`);

/** The same config without the import (a bare object), as a user without the package installed would write it. */
export const BARE_OPENAI_CONFIG = dedent(`
  export default {
    providers: {
      openai: {
        type: 'openai',
        baseUrl: 'https://api.openai.com/v1',
        keys: [{ name: 'main', value: { env: 'OPENAI_API_KEY' } }],
      },
    },
  };
`);

/** A valid model file using `openai`. */
export const OPENAI_MODELS = dedent(`
  models:
    - id: openai/gpt-5.4-mini
      aliases: [gpt-5.4-mini]
      context: 400000
      pricing: { prompt: 0.25, completion: 2.0 }
      upstreams:
        - { provider: openai, model: gpt-5.4-mini, priority: 1 }
`);

/** 1-based line and column of the `nth` occurrence of `needle` in `text`: where a diagnostic should point. */
export function positionOf(text: string, needle: string, nth = 1): { line: number; column: number } {
  let index = -1;
  for (let i = 0; i < nth; i++) {
    index = text.indexOf(needle, index + 1);
    if (index < 0) throw new Error(`fixture does not contain ${JSON.stringify(needle)} ${nth} times`);
  }
  const before = text.slice(0, index).split('\n');
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

/** The installed CLI entry: runs the built lib/ (`npm run build`). */
export const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
