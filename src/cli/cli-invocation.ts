/**
 * How a printed follow-up command should start: `anyrouter` when that name on the user's PATH runs this
 * very CLI, else `npx anyrouter` (a checkout, a project dependency, another version first on PATH), which
 * works wherever the package is installed or checked out. Decided once per process.
 */
import { accessSync, constants, realpathSync } from 'node:fs';
import path from 'node:path';

export type CliInvocation = 'anyrouter' | 'npx anyrouter';

export interface InvocationContext {
  /** The running script (`process.argv[1]`). */
  bin: string | undefined;
  /** `PATH`. */
  searchPath: string | undefined;
  /** Run by npm (npx, an npm script): npm put `node_modules/.bin` folders on PATH that the user's shell lacks. */
  underNpm: boolean;
}

function realPath(file: string): string | undefined {
  try {
    return realpathSync(file);
  } catch {
    return undefined;
  }
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The rule, on a given context: the first `anyrouter` on PATH (as a shell finds it) must resolve to `bin`. */
export function invocationFor(context: InvocationContext): CliInvocation {
  const running = context.bin !== undefined ? realPath(context.bin) : undefined;
  if (running === undefined) return 'npx anyrouter';
  for (const dir of (context.searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    if (context.underNpm && path.basename(dir) === '.bin' && path.basename(path.dirname(dir)) === 'node_modules') continue;
    const candidate = path.join(dir, 'anyrouter');
    if (!isExecutable(candidate)) continue;
    return realPath(candidate) === running ? 'anyrouter' : 'npx anyrouter';
  }
  return 'npx anyrouter';
}

let decided: CliInvocation | undefined;

/** This process's invocation (synchronous file checks, once, on the CLI's own path: never per request). */
export function cliInvocation(): CliInvocation {
  decided ??= invocationFor({ bin: process.argv[1], searchPath: process.env.PATH, underNpm: process.env.npm_command !== undefined });
  return decided;
}
