/**
 * Plain JavaScript for the bench's child processes. The servers under test must not run under tsx: its
 * loader hooks live in an extra thread with its own V8 heap for the whole life of the process (about
 * +30-45 MB RSS measured on an idle server), which would distort the memory figures (and the observability
 * worker would load tsx once more). So the bench transpiles src/ and its own child entries with esbuild,
 * file by file (no bundling: the module graph and function names stay as in the source), with source maps
 * for the profile summary, into a scratch folder whose node_modules links to the repo's.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The bench files that run in child processes. */
const CHILD_ENTRIES = ['child-ipc.ts', 'mock-wire.ts', 'mock-upstream.ts', 'bare-proxy.ts', 'gateway-child.ts'];

async function tsFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, item.name);
    if (item.isDirectory()) out.push(...(await tsFiles(file)));
    else if (file.endsWith('.ts') && !file.endsWith('.d.ts')) out.push(file);
  }
  return out;
}

/**
 * Transpiles `srcDir` (default the repo's src/) to `outDir/src/...` and the child entries to
 * `outDir/bench/...`; returns the number of files.
 */
export async function transpileForChildren(outDir: string, srcDir = path.join(repoRoot, 'src')): Promise<number> {
  const sources = (await tsFiles(srcDir)).map((file) => ({ file, relative: path.join('src', path.relative(srcDir, file)) }));
  const entries = CHILD_ENTRIES.map((f) => ({ file: path.join(repoRoot, 'bench', f), relative: path.join('bench', f) }));
  const files = [...sources, ...entries];
  await Promise.all(
    files.map(async ({ file, relative }) => {
      const target = path.join(outDir, relative.replace(/\.ts$/, '.js'));
      const result = await transform(await readFile(file, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'external',
        sourcefile: file,
        tsconfigRaw: { compilerOptions: { useDefineForClassFields: true, verbatimModuleSyntax: true } },
      });
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, `${result.code}//# sourceMappingURL=${path.basename(target)}.map\n`);
      await writeFile(`${target}.map`, result.map);
    }),
  );
  await writeFile(path.join(outDir, 'package.json'), JSON.stringify({ name: 'anyrouter-bench-build', private: true, type: 'module' }));
  const modules = path.join(outDir, 'node_modules');
  if (!existsSync(modules)) await symlink(path.join(repoRoot, 'node_modules'), modules, 'dir');
  return files.length;
}
