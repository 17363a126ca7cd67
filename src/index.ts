/**
 * What a config file imports: `import { defineConfig, env } from 'anyrouter'`.
 * Kept free of runtime dependencies so that evaluating a config loads nothing heavy.
 */
import type { EnvRef } from './compiler/schema/secret-ref.js';
import type { ProviderInput } from './compiler/schema/provider.js';
import type { RoutingInput } from './compiler/schema/routing.js';
import type { ModelInput } from './compiler/schema/model.js';
import type { PresetInput } from './compiler/schema/preset.js';
import type { z } from 'zod';
import type { authSchema, dashboardSchema, serverSchema } from './compiler/schema/server.js';
import type { poolSchema } from './compiler/schema/config.js';
import type { loggingSchema, telemetrySchema } from './compiler/schema/observability.js';
import type { CacheInput } from './compiler/schema/cache.js';
import type { stateSchema } from './compiler/schema/state.js';
import type { gatewayBudgetSchema } from './compiler/schema/budgets.js';

export type { EnvRef, ProviderInput, RoutingInput, ModelInput, PresetInput };

export interface AnyRouterConfig {
  providers?: Record<string, ProviderInput>;
  routing?: RoutingInput;
  /** A folder of model YAML relative to the config (default `models`), or the models inline. */
  models?: string | ModelInput[];
  /** A folder of preset YAML relative to the config (default `presets`), or the presets inline. */
  presets?: string | PresetInput[];
  server?: z.input<typeof serverSchema>;
  auth?: z.input<typeof authSchema>;
  /** The dashboard (`{ enabled: true, path: '/dashboard' }`); on by default with admin keys or on loopback. */
  dashboard?: z.input<typeof dashboardSchema>;
  logging?: z.input<typeof loggingSchema>;
  telemetry?: z.input<typeof telemetrySchema>;
  /** Shared health, limits, sticky routes and cache for `serve --workers` and replicas: `{ redis: { url: env('REDIS_URL'), prefix, onError } }`. */
  state?: z.input<typeof stateSchema>;
  /** Spend limits for the whole gateway or per app: `[{ name: 'all', usd: 500, period: 'month' }, { app: 'My App', usd: 20, period: 'day' }]`. */
  budgets?: Array<z.input<typeof gatewayBudgetSchema>>;
  /** The response cache's bounds: `{ maxBytes, maxEntryBytes }` (bytes). */
  cache?: CacheInput;
  /** Virtual pool models, e.g. `'anyrouter/coding': { capabilities: ['coding'] }`. */
  pools?: Record<string, z.input<typeof poolSchema>>;
}

/** Identity function that gives the config its type. */
export function defineConfig(config: AnyRouterConfig): AnyRouterConfig {
  return config;
}

/** A secret read from the environment at serve time; the bundle keeps only the name. */
export function env(name: string): EnvRef {
  return { env: name };
}
