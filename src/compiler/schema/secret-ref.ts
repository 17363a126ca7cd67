import { z } from 'zod';

/** A reference to an environment variable, read at serve time: `env('NAME')` in TS, `{ env: NAME }` in YAML. */
export const envRefSchema = z
  .object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name (letters, digits, _)') })
  .strict();

export type EnvRef = z.infer<typeof envRefSchema>;
