/** `--config F` (compiled in memory) or `--bundle F` (read as is): the bundle a CLI command works on. */
import type { RoutingBundle } from '../bundle/format.js';
import { compile } from '../compiler/compile.js';
import { hasErrors } from '../compiler/diagnostics.js';
import { readBundle } from '../runtime/bundle-file.js';
import { reportDiagnostics } from './report-diagnostics.js';
import { UsageError } from './usage.js';
import { DEFAULT_CONFIG } from './commands/check.js';

export const bundleInputOptions = {
  config: { type: 'string', short: 'c' },
  bundle: { type: 'string', short: 'b' },
} as const;

/** Undefined when the config has errors (already printed, with the warnings too when `warnings` is set). */
export async function loadBundleInput(values: Record<string, string | boolean | undefined>, options: { warnings?: boolean } = {}): Promise<RoutingBundle | undefined> {
  if (typeof values.bundle === 'string' && typeof values.config === 'string') throw new UsageError('give --bundle or --config, not both');
  if (typeof values.bundle === 'string') return readBundle(values.bundle);
  const result = await compile(typeof values.config === 'string' ? values.config : DEFAULT_CONFIG);
  reportDiagnostics(options.warnings ? result.diagnostics : result.diagnostics.filter((d) => d.severity === 'error'), 'text');
  return hasErrors(result.diagnostics) ? undefined : result.bundle;
}
