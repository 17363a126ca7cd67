/**
 * `/api/keys`: gateway keys managed at run time. GET lists config keys (read-only, `source: config`) and
 * run-time ones (`source: api`); POST creates one and answers its plaintext once (scope standard); PATCH
 * changes its limits and budget, DELETE revokes it at once (scope full). Only sha256 values are stored.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import type { AdminScope, BundleGatewayKey } from '../../bundle/format.js';
import { authorizeAdminOf, presentedAdminKey } from '../admin/admin-auth.js';
import { error, type AdminError } from '../admin/admin-routes.js';
import type { GatewayState } from '../gateway-state.js';
import type { RuntimeKey } from './key-store.js';

const budget = z.object({ usd: z.number().positive(), period: z.enum(['day', 'week', 'month', 'total']) }).strict();
const createSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dot, dash and underscore, up to 64'),
    models: z.array(z.string().min(1)).min(1).default(['*']),
    rpm: z.number().int().positive().optional(),
    tpm: z.number().int().positive().optional(),
    budget: budget.optional(),
    /** Epoch ms, or an ISO date. */
    expires_at: z.union([z.number().int().positive(), z.iso.datetime()]).optional(),
  })
  .strict();
const patchSchema = z
  .object({
    models: z.array(z.string().min(1)).min(1).optional(),
    rpm: z.number().int().positive().nullable().optional(),
    tpm: z.number().int().positive().nullable().optional(),
    budget: budget.nullable().optional(),
    expires_at: z.union([z.number().int().positive(), z.iso.datetime()]).nullable().optional(),
  })
  .strict();


function describeKey(key: RuntimeKey | BundleGatewayKey, source: 'api' | 'config') {
  const runtime = source === 'api' ? (key as RuntimeKey) : undefined;
  return {
    name: key.name,
    source,
    models: key.models,
    ...(key.rpm !== undefined ? { rpm: key.rpm } : {}),
    ...(key.tpm !== undefined ? { tpm: key.tpm } : {}),
    ...(key.budget !== undefined ? { budget: key.budget } : {}),
    ...(runtime?.expiresAt !== undefined ? { expires_at: new Date(runtime.expiresAt).toISOString() } : {}),
    ...(runtime ? { created_at: new Date(runtime.createdAt).toISOString(), ...(runtime.revokedAt !== undefined ? { revoked_at: new Date(runtime.revokedAt).toISOString() } : {}) } : {}),
  };
}

const expiresOf = (value: number | string | null | undefined) => (value === null ? null : value === undefined ? undefined : typeof value === 'number' ? value : Date.parse(value));

/** The key operations, shared by the admin API and the MCP server. */
export class KeyAdmin {
  constructor(private readonly getState: () => GatewayState) {}

  list() {
    const state = this.getState();
    const config = state.table.bundle.auth.gatewayKeys.map((k) => describeKey(k, 'config'));
    const runtime = (state.runtimeKeys?.keys ?? []).map((k) => describeKey(k, 'api'));
    return [...config, ...runtime];
  }

  async create(input: unknown): Promise<AdminError | { key: ReturnType<typeof describeKey>; plaintext: string }> {
    const state = this.getState();
    if (!state.runtimeKeys) return { status: 503, code: 'keys_unavailable', message: 'run-time keys live in the request log database: turn logging on (logging.enabled)' };
    const parsed = createSchema.safeParse(input);
    if (!parsed.success) return { status: 400, code: 'invalid_key', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    const { name, models, rpm, tpm, budget: b, expires_at } = parsed.data;
    if (state.table.bundle.auth.gatewayKeys.some((k) => k.name === name)) return { status: 409, code: 'key_exists', message: `a config key is named '${name}'` };
    const expiresAt = expiresOf(expires_at) ?? undefined;
    const created = await state.runtimeKeys.create({ name, models, ...(rpm !== undefined ? { rpm } : {}), ...(tpm !== undefined ? { tpm } : {}), ...(b ? { budget: b } : {}), ...(expiresAt !== undefined ? { expiresAt } : {}) }, Date.now());
    if (!created) return { status: 409, code: 'key_exists', message: `a key named '${name}' exists (revoked ones keep their name)` };
    return { key: describeKey(created.key, 'api'), plaintext: created.plaintext };
  }

  async update(name: string, input: unknown): Promise<AdminError | ReturnType<typeof describeKey>> {
    const state = this.getState();
    if (state.table.bundle.auth.gatewayKeys.some((k) => k.name === name)) return { status: 409, code: 'config_key', message: `key '${name}' is in the config: change it there (git holds it)` };
    if (!state.runtimeKeys) return { status: 404, code: 'key_not_found', message: `no key '${name}'` };
    const parsed = patchSchema.safeParse(input);
    if (!parsed.success) return { status: 400, code: 'invalid_key', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ') };
    const { expires_at, ...rest } = parsed.data;
    const expiresAt = expiresOf(expires_at);
    const key = await state.runtimeKeys.update(name, { ...rest, ...(expiresAt !== undefined ? { expiresAt } : {}) });
    return key ? describeKey(key, 'api') : { status: 404, code: 'key_not_found', message: `no key '${name}' (or it was revoked)` };
  }

  async revoke(name: string): Promise<AdminError | { revoked: string }> {
    const state = this.getState();
    if (state.table.bundle.auth.gatewayKeys.some((k) => k.name === name)) return { status: 409, code: 'config_key', message: `key '${name}' is in the config: remove it there (git holds it)` };
    const revoked = (await state.runtimeKeys?.revoke(name, Date.now())) ?? false;
    return revoked ? { revoked: name } : { status: 404, code: 'key_not_found', message: `no key '${name}' (or it was revoked)` };
  }
}

export function keyRoutes(getState: () => GatewayState): Hono {
  const app = new Hono();
  const admin = new KeyAdmin(getState);
  const guard = (c: Context, need: AdminScope): AdminError | undefined => {
    const caller = authorizeAdminOf(getState(), presentedAdminKey(c.req.header('authorization'), c.req.header('x-api-key')), need);
    return 'status' in caller ? caller : undefined;
  };
  const body = async (c: Context): Promise<unknown> => c.req.json().catch(() => undefined);
  app.get('/api/keys', (c) => {
    const denied = guard(c, 'read');
    return denied ? error(c, denied) : c.json({ object: 'list', data: admin.list() });
  });
  app.post('/api/keys', async (c) => {
    const denied = guard(c, 'standard');
    if (denied) return error(c, denied);
    const result = await admin.create(await body(c));
    return 'status' in result ? error(c, result) : c.json({ ...result.key, key: result.plaintext }, 201);
  });
  app.patch('/api/keys/:name', async (c) => {
    const denied = guard(c, 'full');
    if (denied) return error(c, denied);
    const result = await admin.update(c.req.param('name'), await body(c));
    return 'status' in result ? error(c, result) : c.json(result);
  });
  app.delete('/api/keys/:name', async (c) => {
    const denied = guard(c, 'full');
    if (denied) return error(c, denied);
    const result = await admin.revoke(c.req.param('name'));
    return 'status' in result ? error(c, result) : c.json(result);
  });
  app.all('/api/keys/:name', (c) => error(c, { status: 405, code: 'method_not_allowed', message: `${c.req.method} is not allowed here; use PATCH or DELETE`, headers: { allow: 'PATCH, DELETE' } }));
  return app;
}
