/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the top functions by self time, the gateway's own
 * functions (src/) by inclusive time, and self time per package. Positions in the JavaScript that
 * bench/transpile.ts wrote are mapped back to .ts lines through the `.js.map` next to each file.
 *
 * Run: npx tsx bench/cpuprofile-summary.ts FILE.cpuprofile [--top N]
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SourceMap, type SourceMapPayload } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

interface CallFrame {
  functionName: string;
  url: string;
  /** 0-based. */
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  /** Samples per 1-based line of the generated code, where this node was the leaf. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const root = fileURLToPath(new URL('..', import.meta.url));
const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

export interface SummaryOptions {
  top?: number;
}

const maps = new Map<string, SourceMap | undefined>();
/** The source map of a transpiled file (`file.js.map` next to it), if it has one. */
function mapOf(url: string): SourceMap | undefined {
  if (maps.has(url)) return maps.get(url);
  let map: SourceMap | undefined;
  if (url.startsWith('file://') && url.endsWith('.js')) {
    const file = `${fileURLToPath(url)}.map`;
    if (existsSync(file)) map = new SourceMap(JSON.parse(readFileSync(file, 'utf8')) as SourceMapPayload);
  }
  maps.set(url, map);
  return map;
}

export async function summarizeCpuProfile(file: string, options: SummaryOptions = {}): Promise<string> {
  const top = options.top ?? 10;
  const profile = JSON.parse(await readFile(file, 'utf8')) as CpuProfile;

  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const locationCache = new Map<string, string>();
  const locate = (frame: CallFrame): string => {
    const cacheKey = `${frame.url}:${frame.lineNumber}:${frame.columnNumber}`;
    let where = locationCache.get(cacheKey);
    if (where !== undefined) return where;
    const map = mapOf(frame.url);
    const entry = map?.findEntry(frame.lineNumber, frame.columnNumber) as { originalSource?: string; originalLine?: number } | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) where = `${relative(entry.originalSource)}:${entry.originalLine + 1}`;
    else if (frame.url === '') where = '(native)';
    else where = `${relative(frame.url)}:${frame.lineNumber + 1}${map ? '' : frame.url.endsWith('.ts') ? ' (transpiled line)' : ''}`;
    locationCache.set(cacheKey, where);
    return where;
  };
  const keyOf = (frame: CallFrame) => `${frame.functionName || '(anonymous)'}  ${META.has(frame.functionName) ? '' : locate(frame)}`.trim();

  // self time: each sample's delta goes to its leaf node; inclusive: to every distinct function on its stack
  const self = new Map<string, number>();
  /** For each self-time entry, the nearest JavaScript caller of natives and node internals, with its time. */
  const callers = new Map<string, Map<string, number>>();
  const inclusive = new Map<string, number>();
  const packages = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const leaf = byId.get(profile.samples[i]!)!;
    total += dt;
    if (leaf.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const leafKey = keyOf(leaf.callFrame);
    self.set(leafKey, (self.get(leafKey) ?? 0) + dt);
    const pkg = packageOf(leaf.callFrame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + dt);
    if (pkg === '(native / V8 builtins)' || pkg === 'node: internals') {
      let id = parent.get(leaf.id);
      while (id !== undefined && !isUserCode(byId.get(id)!.callFrame)) id = parent.get(id);
      const caller = id === undefined ? '(none)' : keyOf(byId.get(id)!.callFrame);
      const byCaller = callers.get(leafKey) ?? new Map<string, number>();
      byCaller.set(caller, (byCaller.get(caller) ?? 0) + dt);
      callers.set(leafKey, byCaller);
    }
    const seen = new Set<string>();
    for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) {
      const frame = byId.get(id)!.callFrame;
      if (!packageOf(frame).startsWith('anyrouter')) continue;
      const key = keyOf(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + dt);
    }
  }
  const busy = total - idle;

  // hot lines of the gateway's own code: each node's per-line samples, mapped back to the .ts line
  const lineSamples = new Map<string, number>();
  let busySamples = 0;
  for (const id of profile.samples) if (byId.get(id)!.callFrame.functionName !== '(idle)') busySamples++;
  for (const node of profile.nodes) {
    if (!node.positionTicks || !packageOf(node.callFrame).startsWith('anyrouter')) continue;
    for (const { line, ticks } of node.positionTicks) {
      const where = locateLine(node.callFrame.url, line - 1);
      const key = `${where}  (${node.callFrame.functionName || '(anonymous)'})`;
      lineSamples.set(key, (lineSamples.get(key) ?? 0) + ticks);
    }
  }
  const usPerSample = busySamples > 0 ? busy / busySamples : 0;
  const hotLines = new Map([...lineSamples].map(([key, n]) => [key, n * usPerSample]));
  const ms = (us: number) => `${(us / 1000).toFixed(0).padStart(7)} ms`;
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`;
  const list = (entries: Map<string, number>, n: number, withCallers = false) =>
    [...entries.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .flatMap(([key, us], i) => {
        const line = `  ${String(i + 1).padStart(2)}. ${pct(us)} ${ms(us)}  ${key}`;
        const byCaller = withCallers ? callers.get(key) : undefined;
        if (!byCaller) return [line];
        const top3 = [...byCaller.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3);
        return [line, ...top3.map(([caller, t]) => `                          ${((100 * t) / us).toFixed(0).padStart(3)}% from ${caller}`)];
      });

  return [
    `  profiled ${(total / 1e6).toFixed(1)} s: busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s; percentages are of busy time`,
    '',
    `  top ${top} by self time`,
    ...list(self, top, true),
    '',
    '  self time by package',
    ...list(packages, 12),
    '',
    `  the gateway's own code (src/) by inclusive time (self + callees)`,
    ...list(inclusive, top),
    '',
    `  hottest lines of the gateway's own code (self time)`,
    ...list(hotLines, top),
  ].join('\n');
}

const generatedLines = new Map<string, string[]>();
/** `src/x.ts:LINE` for a 0-based line of generated code, mapped at its first non-blank column. */
function locateLine(url: string, line: number): string {
  const map = mapOf(url);
  if (!map || !url.startsWith('file://')) return `${relative(url)}:${line + 1}`;
  let lines = generatedLines.get(url);
  if (!lines) {
    lines = readFileSync(fileURLToPath(url), 'utf8').split('\n');
    generatedLines.set(url, lines);
  }
  const column = Math.max(0, (lines[line] ?? '').search(/\S/));
  const entry = map.findEntry(line, column) as { originalSource?: string; originalLine?: number };
  return entry.originalSource !== undefined && entry.originalLine !== undefined ? `${relative(entry.originalSource)}:${entry.originalLine + 1}` : `${relative(url)}:${line + 1}`;
}

function relative(location: string): string {
  const file = location.startsWith('file://') ? fileURLToPath(location) : location;
  if (!path.isAbsolute(file)) return file;
  if (file.startsWith(root)) return path.relative(root, file);
  // a transpiled copy or a --src snapshot outside the repo reads as src/...
  const src = file.lastIndexOf(`${path.sep}src${path.sep}`);
  return src >= 0 ? file.slice(src + 1) : file;
}

/** JavaScript with a file behind it (the gateway, its packages, node's own JS), not a native or V8 builtin. */
function isUserCode(frame: CallFrame): boolean {
  return frame.url !== '' && !frame.url.startsWith('node:') && !META.has(frame.functionName);
}

function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (META.has(functionName)) return functionName;
  if (url === '') return '(native / V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  if (url.startsWith('wasm://')) return 'wasm (undici llhttp)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (url.includes('/src/')) return 'anyrouter src/';
  if (url.includes('/bench/')) return 'bench/';
  if (url.includes('/lib/')) return 'anyrouter lib/';
  return url;
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '10' } } });
  const file = positionals[0];
  if (!file) {
    console.error('usage: npx tsx bench/cpuprofile-summary.ts FILE.cpuprofile [--top N]');
    process.exit(2);
  }
  console.log(await summarizeCpuProfile(file, { top: Number(values.top) }));
}
