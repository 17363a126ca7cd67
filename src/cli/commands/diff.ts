import { formatDiagnostic } from '../../compiler/diagnostics.js';
import { isChangeKind, CHANGE_KINDS, type BundleChange, type ChangeKind } from '../diff/bundle-change.js';
import { diffBundles } from '../diff/bundle-diff.js';
import { compileSide, parseSide } from '../diff/compile-side.js';
import { formatDiffJson } from '../diff/format-diff-json.js';
import { formatDiffMarkdown } from '../diff/format-diff-markdown.js';
import { formatDiffText } from '../diff/format-diff-text.js';
import type { DiffSides } from '../diff/diff-sides.js';
import { UsageError } from '../usage.js';
import { DEFAULT_CONFIG } from './check.js';

type DiffFormat = 'text' | 'markdown' | 'json';

function parseDiffFormat(value: string | undefined): DiffFormat {
  if (value === undefined) return 'text';
  if (value === 'text' || value === 'markdown' || value === 'json') return value;
  throw new UsageError(`unknown --format '${value}' (text, markdown or json)`);
}

function parseFailOn(value: string | undefined): Set<ChangeKind> {
  const kinds = new Set<ChangeKind>();
  for (const item of (value ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!isChangeKind(item)) throw new UsageError(`unknown change kind '${item}' in --fail-on (one of: ${CHANGE_KINDS.join(', ')})`);
    kinds.add(item);
  }
  return kinds;
}

function render(changes: BundleChange[], sides: DiffSides, format: DiffFormat): string {
  if (format === 'json') return formatDiffJson(changes);
  if (format === 'markdown') return formatDiffMarkdown(changes, sides);
  return formatDiffText(changes, sides);
}

export const diffCommand = {
  options: { format: { type: 'string' }, 'fail-on': { type: 'string' }, config: { type: 'string', short: 'c' } },
  async run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    if (positionals.length !== 2) throw new UsageError('expected: diff <base> <head> (each a config file, REV or REV:path)');
    const format = parseDiffFormat(values.format as string | undefined);
    const failOn = parseFailOn(values['fail-on'] as string | undefined);
    const cwd = process.cwd();
    const defaultConfig = (values.config as string | undefined) ?? DEFAULT_CONFIG;
    const specs = await Promise.all(positionals.map((arg) => parseSide(arg, cwd, defaultConfig)));
    const [base, head] = await Promise.all(specs.map((spec) => compileSide(spec, cwd)));
    if (!base!.bundle || !head!.bundle) {
      for (const side of [base!, head!]) {
        if (side.bundle) continue;
        process.stderr.write(`anyrouter diff: ${side.label} does not compile:\n`);
        for (const d of side.diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
      }
      return 1;
    }
    const changes = diffBundles(base!.bundle, head!.bundle);
    process.stdout.write(render(changes, { base: base!.label, head: head!.label }, format));
    const failing = changes.filter((c) => failOn.has(c.kind));
    if (failing.length > 0) {
      const kinds = [...new Set(failing.map((c) => c.kind))].join(', ');
      process.stderr.write(`anyrouter diff: ${failing.length} change${failing.length === 1 ? '' : 's'} of a --fail-on kind (${kinds})\n`);
      return 1;
    }
    return 0;
  },
} as const;
