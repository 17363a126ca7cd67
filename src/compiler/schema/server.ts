import { z } from 'zod';
import { budgetSchema } from './budgets.js';

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 hex digest (see `anyrouter keys new`)');

export const gatewayKeySchema = z
  .object({
    name: z.string().min(1),
    sha256: sha256Hex,
    /** Globs of model ids (and aliases, presets) the key may use. */
    models: z.array(z.string().min(1)).default(['*']),
    /** Requests per minute; absent means unlimited. */
    rpm: z.number().int().positive().optional(),
    /** Tokens (prompt + completion) per minute, counted when each answer ends; absent means unlimited. */
    tpm: z.number().int().positive().optional(),
    /** Spend at most this much per period; over it, requests get 402 until the period turns. */
    budget: budgetSchema.optional(),
    /** `never`: requests with this key use only BYOK provider keys, never the operator's shared ones. */
    shared: z.enum(['fallback', 'never']).optional(),
  })
  .strict();

export const adminKeySchema = z
  .object({
    name: z.string().min(1),
    sha256: sha256Hex,
    /** read: list and usage; standard: also create keys; full: also revoke them and change budgets. */
    scope: z.enum(['read', 'standard', 'full']).default('full'),
  })
  .strict();

export const authSchema = z
  .object({
    gatewayKeys: z.array(gatewayKeySchema).default([]),
    adminKeys: z.array(adminKeySchema).default([]),
  })
  .strict();

export const serverSchema = z
  .object({
    host: z.string().min(1).optional(),
    port: z.number().int().min(0).max(65535).default(8787),
    bodyLimitBytes: z.number().int().positive().default(10 * 1024 * 1024),
  })
  .strict();

/** The dashboard at `path` on the gateway's own port; `enabled` absent: on when admin keys are configured or the gateway is loopback-only. */
export const dashboardSchema = z
  .object({
    enabled: z.boolean().optional(),
    path: z
      .string()
      .regex(/^\/[a-z0-9][a-z0-9/_-]*[a-z0-9]$/, 'a path such as /dashboard (lowercase letters, digits, -, _ and /, no trailing slash)')
      .refine((p) => !/^\/(?:api|v1|health|metrics)(?:\/|$)/.test(p), 'a path that no gateway route uses (not under /api, /v1, /health or /metrics)')
      .default('/dashboard'),
  })
  .strict();

export type DashboardSpec = z.output<typeof dashboardSchema>;
export type AuthSpec = z.output<typeof authSchema>;
export type ServerSpec = z.output<typeof serverSchema>;
