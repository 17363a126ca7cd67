/**
 * A config as it was at a git revision: the config file, the local modules it imports, and its model
 * and preset folders, copied from the revision's tree into a temp folder (same relative layout) so
 * the compiler reads them like any other config.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadTsConfig } from '../../compiler/load.js';
import { git, listFilesAt, readFilesAt } from './git-files.js';

export interface ConfigAtRevision {
  /** The config file inside the temp folder. */
  configFile: string;
  /** The temp folder, mirroring the repository root. */
  root: string;
  /** `REV:path/from/repo/root`, how the side is named in output and diagnostics. */
  label: string;
  /** Maps a file inside the temp folder back to `REV:path`. */
  labelFor(file: string): string;
  remove(): Promise<void>;
}

/**
 * `configPath` is as in `git show REV:path`: relative to the repository root, or to `cwd` when it
 * starts with `./` or `../`.
 */
export async function checkoutConfigAt(cwd: string, rev: string, commit: string, configPath: string): Promise<ConfigAtRevision> {
  const top = (await git(cwd, ['rev-parse', '--show-toplevel'])).trim();
  const prefix = (await git(cwd, ['rev-parse', '--show-prefix'])).trim();
  const relative = /^\.\.?(\/|$)/.test(configPath) ? path.posix.join(prefix, configPath) : configPath;
  const configRepoPath = path.posix.normalize(relative).replace(/^\/+/, '');
  if (configRepoPath.startsWith('../')) throw new Error(`${rev}:${configPath} is outside the repository`);

  const files = await listFilesAt(top, commit);
  const inTree = new Set(files);
  if (!inTree.has(configRepoPath)) throw new Error(`${rev}:${configRepoPath}: no such file at that revision`);

  const root = await mkdtemp(path.join(tmpdir(), 'anyrouter-diff-'));
  const label = `${rev}:${configRepoPath}`;
  const labelFor = (file: string) => {
    const inside = path.relative(root, path.resolve(cwd, file));
    return inside.startsWith('..') || path.isAbsolute(inside) ? file : `${rev}:${inside.split(path.sep).join('/')}`;
  };
  const remove = () => rm(root, { recursive: true, force: true });
  try {
    const copy = async (paths: string[]) => {
      const contents = await readFilesAt(top, commit, paths);
      for (const [p, data] of contents) {
        const target = path.join(root, ...p.split('/'));
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, data);
      }
      return contents;
    };

    await copyWithLocalImports(configRepoPath, inTree, copy);
    const configFile = path.join(root, ...configRepoPath.split('/'));
    const configDir = path.posix.dirname(configRepoPath);

    // the model and preset folders are settings of the config: evaluate it to find them
    const loaded = await loadTsConfig(configFile);
    const settings = (loaded.config ?? {}) as { models?: unknown; presets?: unknown };
    const folders = [settings.models ?? 'models', settings.presets ?? 'presets']
      .filter((f): f is string => typeof f === 'string')
      .map((f) => path.posix.normalize(path.posix.join(configDir, f)).replace(/\/+$/, ''))
      .filter((f) => !f.startsWith('../'));
    const yaml = files.filter((f) => /\.ya?ml$/i.test(f) && folders.some((dir) => dir === '.' || f.startsWith(dir + '/')));
    await copy(yaml);
    return { configFile, root, label, labelFor, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}

const LOCAL_IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;

/** Copies `file` and, transitively, the relative modules it imports (`./providers.js` may be `providers.ts`). */
async function copyWithLocalImports(file: string, inTree: ReadonlySet<string>, copy: (paths: string[]) => Promise<Map<string, Buffer>>): Promise<void> {
  const seen = new Set<string>();
  let pending = [file];
  while (pending.length > 0) {
    const batch = pending.filter((p) => !seen.has(p));
    batch.forEach((p) => seen.add(p));
    const contents = await copy(batch);
    pending = [];
    for (const [p, data] of contents) {
      for (const match of data.toString('utf8').matchAll(LOCAL_IMPORT)) {
        const target = resolveModule(path.posix.join(path.posix.dirname(p), match[1]!), inTree);
        if (target && !seen.has(target)) pending.push(target);
      }
    }
  }
}

function resolveModule(spec: string, inTree: ReadonlySet<string>): string | undefined {
  const base = path.posix.normalize(spec);
  const stem = base.replace(/\.(m|c)?js$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.mts`, `${stem}.cts`, `${base}.ts`, `${base}.js`, `${base}/index.ts`, `${base}/index.js`, `${base}.json`];
  return candidates.find((c) => inTree.has(c));
}
