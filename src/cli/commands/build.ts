import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RoutingBundle } from '../../bundle/format.js';
import { compile } from '../../compiler/compile.js';
import { hasErrors } from '../../compiler/diagnostics.js';
import { parseFormat, reportDiagnostics } from '../report-diagnostics.js';
import { DEFAULT_CONFIG } from './check.js';

export const DEFAULT_BUNDLE = 'dist/routing.json';

export function summarize(bundle: RoutingBundle): string {
  const upstreams = bundle.models.reduce((n, m) => n + m.candidates.length, 0);
  const aliases = bundle.models.reduce((n, m) => n + m.aliases.length, 0);
  return `${bundle.models.length} models, ${upstreams} upstreams, ${Object.keys(bundle.providers).length} providers, ${Object.keys(bundle.presets).length} presets, ${aliases} aliases, hash ${bundle.hash}`;
}

/** Writes atomically (temp file then rename) so a server watching the path never reads half a bundle. */
export async function writeBundle(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, text);
  await rename(temp, file);
}

export const buildCommand = {
  options: { config: { type: 'string', short: 'c' }, out: { type: 'string', short: 'o' }, format: { type: 'string' }, types: { type: 'string' } },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const format = parseFormat(values.format as string | undefined);
    const out = (values.out as string | undefined) ?? DEFAULT_BUNDLE;
    const result = await compile((values.config as string | undefined) ?? DEFAULT_CONFIG);
    reportDiagnostics(result.diagnostics, format);
    if (hasErrors(result.diagnostics) || !result.text) return 1;
    await writeBundle(out, result.text);
    if (format === 'text') process.stdout.write(`wrote ${out}: ${summarize(result.bundle!)}\n`);
    if (typeof values.types === 'string') {
      // ts-morph loads only when asked for
      const { generateModelTypes } = await import('../types/model-id-types.js');
      await writeBundle(values.types, generateModelTypes(result.bundle!));
      if (format === 'text') process.stdout.write(`wrote ${values.types}: model ids, aliases, presets and pools as types\n`);
    }
    return 0;
  },
} as const;
