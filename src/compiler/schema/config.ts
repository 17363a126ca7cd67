import { z } from 'zod';
import { providerSchema } from './provider.js';
import { routingSchema } from './routing.js';
import { authSchema, dashboardSchema, serverSchema } from './server.js';
import { capabilities, modelIdPattern } from './model.js';
import { loggingSchema, telemetrySchema } from './observability.js';
import { stateSchema } from './state.js';
import { gatewayBudgetSchema } from './budgets.js';
import { cacheSchema } from './cache.js';

/** A virtual model whose members are catalog models, strongest (highest `rank`) first. */
export const poolSchema = z
  .object({
    description: z.string().optional(),
    /** Members must have every one of these capabilities (none: every model). */
    capabilities: z.array(z.enum(capabilities)).default([]),
    /** An explicit ranked member list instead of the capability match. */
    members: z.array(z.string()).optional(),
    exclude: z.array(z.string()).default([]),
  })
  .strict();

/** The top level of `anyrouter.config.ts`. Models and presets are folders of YAML, or inline arrays. */
export const configSchema = z
  .object({
    providers: z.record(z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'a lowercase provider id'), z.unknown()).default({}),
    routing: routingSchema.default(routingSchema.parse({})),
    models: z.union([z.string(), z.array(z.unknown())]).default('models'),
    presets: z.union([z.string(), z.array(z.unknown())]).default('presets'),
    server: serverSchema.default(serverSchema.parse({})),
    auth: authSchema.default(authSchema.parse({})),
    dashboard: dashboardSchema.default(dashboardSchema.parse({})),
    logging: loggingSchema.default(loggingSchema.parse({})),
    telemetry: telemetrySchema.default(telemetrySchema.parse({})),
    /** Shared health and limits for `serve --workers` and replicas (absent: in-process). */
    state: stateSchema.default({}),
    /** The response cache's bounds (absent: 64 MiB in memory, entries up to 8 MiB). */
    cache: cacheSchema.optional(),
    /** Spend limits for the whole gateway or per app (`X-AnyRouter-Title`); per key ones sit on the gateway key. */
    budgets: z.array(gatewayBudgetSchema).default([]),
    /** Virtual pool models such as `anyrouter/coding`. */
    pools: z.record(z.string().regex(modelIdPattern, 'a "provider/model" style id such as anyrouter/coding'), poolSchema).default({}),
  })
  .strict();

export { providerSchema };
export type ConfigSpec = z.output<typeof configSchema>;
export type PoolSpec = z.output<typeof poolSchema>;
