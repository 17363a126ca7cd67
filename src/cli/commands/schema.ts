import { writeSchemaFiles } from '../schema/yaml-json-schemas.js';
import { UsageError } from '../usage.js';

export const DEFAULT_SCHEMA_DIR = 'schema';

export const schemaCommand = {
  options: { out: { type: 'string', short: 'o' } },
  async run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}' (schema [--out DIR])`);
    const dir = (values.out as string | undefined) ?? DEFAULT_SCHEMA_DIR;
    for (const file of await writeSchemaFiles(dir)) process.stdout.write(`wrote ${file}\n`);
    return 0;
  },
} as const;
