import { z } from 'zod';
import { providerPreferencesSchema } from '../../preferences/provider-preferences-schema.js';
import { responseCacheSchema } from './model.js';

export const presetSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a lowercase slug'),
    description: z.string().optional(),
    model: z.string().min(1),
    models: z.array(z.string()).default([]),
    provider: providerPreferencesSchema.optional(),
    system: z.string().optional(),
    params: z.record(z.string(), z.unknown()).default({}),
    /** Answers to requests through this preset are cached for `ttl` seconds. */
    cache: responseCacheSchema.optional(),
  })
  .strict();

export type PresetInput = z.input<typeof presetSchema>;
export type PresetSpec = z.output<typeof presetSchema>;
