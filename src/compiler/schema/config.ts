import { z } from 'zod';
import { providerSchema } from './provider.js';
import { routingSchema } from './routing.js';
import { authSchema, serverSchema } from './server.js';

/** The top level of `anyrouter.config.ts`. Models and presets are folders of YAML, or inline arrays. */
export const configSchema = z
  .object({
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a lowercase provider id'), z.unknown()).default({}),
    routing: routingSchema.default(routingSchema.parse({})),
    models: z.union([z.string(), z.array(z.unknown())]).default('models'),
    presets: z.union([z.string(), z.array(z.unknown())]).default('presets'),
    server: serverSchema.default(serverSchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
  })
  .strict();

export { providerSchema };
export type ConfigSpec = z.output<typeof configSchema>;
