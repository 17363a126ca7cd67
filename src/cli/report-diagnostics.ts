import { formatDiagnostic, type Diagnostic } from '../compiler/diagnostics.js';
import { UsageError } from './usage.js';

export type OutputFormat = 'text' | 'json';

export function parseFormat(value: string | undefined): OutputFormat {
  if (value === undefined) return 'text';
  if (value === 'text' || value === 'json') return value;
  throw new UsageError(`unknown --format '${value}' (text or json)`);
}

/** Text diagnostics go to stderr; json is an array on stdout for CI annotations. */
export function reportDiagnostics(diagnostics: Diagnostic[], format: OutputFormat): void {
  if (format === 'json') {
    process.stdout.write(JSON.stringify(diagnostics, null, 2) + '\n');
    return;
  }
  for (const d of diagnostics) process.stderr.write(formatDiagnostic(d) + '\n');
  const errors = diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = diagnostics.length - errors;
  if (diagnostics.length > 0) process.stderr.write(`${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}\n`);
}
