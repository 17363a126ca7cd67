/**
 * One side of `anyrouter diff`: a config file (or a folder holding `anyrouter.config.ts`), or a git
 * revision (`REV` for the default config path there, or `REV:path`), compiled to a bundle.
 */
import { statSync } from 'node:fs';
import path from 'node:path';
import type { RoutingBundle } from '../../bundle/format.js';
import { compile } from '../../compiler/compile.js';
import { hasErrors, type Diagnostic } from '../../compiler/diagnostics.js';
import { UsageError } from '../usage.js';
import { checkoutConfigAt } from './config-at-revision.js';
import { resolveCommit } from './git-files.js';

export type SideSpec = { kind: 'file'; file: string; label: string } | { kind: 'revision'; rev: string; commit: string; configPath: string };

export interface CompiledSide {
  label: string;
  diagnostics: Diagnostic[];
  /** Present when the side compiled without errors. */
  bundle?: RoutingBundle;
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(file: string): boolean {
  try {
    return statSync(file).isDirectory();
  } catch {
    return false;
  }
}

/**
 * A path on disk wins over a revision of the same name; a folder means the config file of that name
 * inside it. `defaultConfig` is the config path (relative to `cwd`) a bare revision means.
 */
export async function parseSide(arg: string, cwd: string, defaultConfig: string): Promise<SideSpec> {
  const onDisk = path.resolve(cwd, arg);
  if (isFile(onDisk)) return { kind: 'file', file: onDisk, label: arg };
  const inFolder = path.join(onDisk, path.basename(defaultConfig));
  if (isDirectory(onDisk) && isFile(inFolder)) return { kind: 'file', file: inFolder, label: path.join(arg, path.basename(defaultConfig)) };
  const colon = arg.indexOf(':');
  const rev = colon > 0 ? arg.slice(0, colon) : arg;
  const configPath = colon > 0 ? arg.slice(colon + 1) : `./${path.relative(cwd, path.resolve(cwd, defaultConfig)).split(path.sep).join('/')}`;
  const commit = await resolveCommit(cwd, rev);
  if (commit && configPath !== '') return { kind: 'revision', rev, commit, configPath };
  throw new UsageError(`'${arg}' is neither a config file nor a git revision (use REV or REV:path/to/anyrouter.config.ts)`);
}

export async function compileSide(side: SideSpec, cwd: string): Promise<CompiledSide> {
  if (side.kind === 'file') {
    const result = await compile(side.file);
    return { label: side.label, diagnostics: result.diagnostics, ...(hasErrors(result.diagnostics) || !result.bundle ? {} : { bundle: result.bundle }) };
  }
  const checkout = await checkoutConfigAt(cwd, side.rev, side.commit, side.configPath);
  try {
    const result = await compile(checkout.configFile);
    const diagnostics = result.diagnostics.map((d) => ({ ...d, file: checkout.labelFor(d.file) }));
    return { label: checkout.label, diagnostics, ...(hasErrors(diagnostics) || !result.bundle ? {} : { bundle: result.bundle }) };
  } finally {
    await checkout.remove();
  }
}
