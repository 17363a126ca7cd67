import { compile } from '../../compiler/compile.js';
import { hasErrors } from '../../compiler/diagnostics.js';
import { parseFormat, reportDiagnostics } from '../report-diagnostics.js';

export const DEFAULT_CONFIG = 'anyrouter.config.ts';

export const checkCommand = {
  options: { config: { type: 'string', short: 'c' }, format: { type: 'string' } },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const format = parseFormat(values.format as string | undefined);
    const result = await compile((values.config as string | undefined) ?? DEFAULT_CONFIG);
    reportDiagnostics(result.diagnostics, format);
    if (hasErrors(result.diagnostics)) return 1;
    if (format === 'text') process.stderr.write(`config ok: ${result.bundle!.models.length} models, ${Object.keys(result.bundle!.presets).length} presets\n`);
    return 0;
  },
} as const;
