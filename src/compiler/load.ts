/** Pass 1, load: evaluate the TypeScript config with esbuild and parse the YAML it points at, keeping source ranges. */
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import type { Finding } from './diagnostics.js';
import type { Source, TsSource, YamlSource } from './sources.js';

export interface LoadedConfig {
  sources: Source[];
  /** The evaluated default export of the TS config (source 0). */
  config: unknown;
  configDir: string;
  findings: Finding[];
}

/** The package's own entry, so `import ... from 'anyrouter'` works in a folder with no node_modules. */
function selfEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const name of ['index.js', 'index.ts']) {
    const candidate = path.join(here, '..', name);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('anyrouter: cannot find the package entry next to the compiler');
}

export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

export async function loadTsConfig(configPath: string): Promise<{ source?: TsSource; config?: unknown; findings: Finding[] }> {
  const file = displayPath(configPath);
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    return { findings: [{ severity: 'error', code: 'AR001', message: `cannot read config: ${reason}`, at: { file, line: 1, column: 1 } }] };
  }
  const source: TsSource = { kind: 'ts', file, text };
  const esbuild = await import('esbuild');
  const entry = selfEntry();
  let code: string;
  try {
    const result = await esbuild.build({
      entryPoints: [configPath],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      logLevel: 'silent',
      plugins: [
        {
          name: 'anyrouter-self',
          setup(build) {
            build.onResolve({ filter: /^anyrouter$/ }, () => ({ path: entry }));
          },
        },
      ],
    });
    code = result.outputFiles[0]!.text;
  } catch (error) {
    const errors = (error as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number; lineText: string } | null }> }).errors ?? [];
    const findings: Finding[] = errors.map((e) => ({
      severity: 'error',
      code: 'AR002',
      message: e.text,
      at: e.location ? { file: displayPath(path.resolve(e.location.file)), line: e.location.line, column: utf16Column(e.location.lineText, e.location.column) + 1 } : { file, line: 1, column: 1 },
    }));
    if (findings.length === 0) findings.push({ severity: 'error', code: 'AR002', message: String((error as Error).message), at: { file, line: 1, column: 1 } });
    return { source, findings };
  }
  try {
    const module = (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as { default?: unknown };
    if (module.default === undefined) {
      return { source, findings: [{ severity: 'error', code: 'AR002', message: 'the config has no default export (export default defineConfig({...}))', at: { file, line: 1, column: 1 } }] };
    }
    return { source, config: module.default, findings: [] };
  } catch (error) {
    return { source, findings: [{ severity: 'error', code: 'AR002', message: `evaluating the config threw: ${(error as Error).message}`, at: { file, line: 1, column: 1 } }] };
  }
}

/** esbuild counts columns in UTF-8 bytes; editors (and the YAML and TS locators) count UTF-16 units. */
function utf16Column(lineText: string, byteColumn: number): number {
  return Buffer.from(lineText, 'utf8').subarray(0, byteColumn).toString('utf8').length;
}

/** Every `.yaml`/`.yml` file below `dir`, sorted so the result does not depend on directory order. */
export async function listYamlFiles(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true, recursive: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

export async function loadYaml(filePath: string): Promise<{ source: YamlSource; value: unknown; findings: Finding[] }> {
  const text = await readFile(filePath, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const file = displayPath(filePath);
  const source: YamlSource = { kind: 'yaml', file, doc, lines };
  const findings: Finding[] = [...doc.errors, ...doc.warnings].map((e) => {
    const pos = lines.linePos(e.pos[0]);
    return { severity: doc.errors.includes(e) ? 'error' : 'warning', code: 'AR003', message: e.message.split('\n')[0]!, at: { file, line: pos.line, column: pos.col } };
  });
  const value = doc.errors.length > 0 ? undefined : (doc.toJS() as unknown);
  return { source, value, findings };
}
