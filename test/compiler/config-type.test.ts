/**
 * `AnyRouterConfig` (what `defineConfig` takes) names every top-level section the compiler accepts, so a typed
 * config using any of them type-checks in an editor. The check is at the type level (`npm run typecheck` covers
 * test/); the test body keeps a config with every section compiling too.
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { defineConfig, env, type AnyRouterConfig } from '../../src/index.js';
import type { configSchema } from '../../src/compiler/schema/config.js';

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const everySection: Same<keyof AnyRouterConfig, keyof z.input<typeof configSchema>> = true;

describe('AnyRouterConfig', () => {
  it('has exactly the sections of the config schema, and the README example of each type-checks', () => {
    expect(everySection).toBe(true);
    const config = defineConfig({
      state: { redis: { url: env('REDIS_URL'), prefix: 'anyrouter:', onError: 'open' } },
      budgets: [{ name: 'all', usd: 500, period: 'month' }, { app: 'My App', usd: 20, period: 'day' }],
      cache: { maxBytes: 256 * 1024 * 1024, maxEntryBytes: 4 * 1024 * 1024 },
      dashboard: { enabled: true, path: '/dashboard' },
    });
    expect(Object.keys(config).sort()).toEqual(['budgets', 'cache', 'dashboard', 'state']);
  });
});
