/**
 * Who may use the admin surfaces (the admin API, the MCP server): an admin key from the config, with its
 * scope. With no admin key configured, they answer only while the gateway itself has no keys (loopback use).
 */
import { createHash } from 'node:crypto';
import type { AdminScope, BundleAdminKey } from '../../bundle/format.js';
import type { GatewayState } from '../gateway-state.js';

const RANK: Record<AdminScope, number> = { read: 0, standard: 1, full: 2 };

export interface AdminCaller {
  name: string;
  scope: AdminScope;
}

export type AdminDenied = { status: 401 | 403; code: string; message: string };

/** The admin behind a presented key, if it may do what `need` asks. */
export function authorizeAdmin(presented: string | undefined, adminKeys: readonly BundleAdminKey[], gatewayKeyCount: number, need: AdminScope): AdminCaller | AdminDenied {
  if (adminKeys.length === 0) {
    if (gatewayKeyCount === 0) return { name: 'local', scope: 'full' };
    return { status: 403, code: 'admin_not_configured', message: 'the admin API needs auth.adminKeys in the config (anyrouter keys new NAME --admin)' };
  }
  if (!presented) return { status: 401, code: 'missing_admin_key', message: 'missing admin key: send Authorization: Bearer <admin key>' };
  const hash = createHash('sha256').update(presented.trim()).digest('hex');
  const key = adminKeys.find((k) => k.sha256 === hash);
  if (!key) return { status: 401, code: 'invalid_admin_key', message: 'invalid admin key' };
  const scope = key.scope ?? 'full';
  if (!hasScope({ name: key.name, scope }, need)) return { status: 403, code: 'insufficient_scope', message: `admin key '${key.name}' has scope '${scope}'; this needs '${need}'` };
  return { name: key.name, scope };
}

export function hasScope(caller: AdminCaller, need: AdminScope): boolean {
  return RANK[caller.scope] >= RANK[need];
}

/** `authorizeAdmin` for a running gateway: its admin keys, and its gateway keys (config and run-time ones) for the open-when-keyless rule. */
export function authorizeAdminOf(state: GatewayState, presented: string | undefined, need: AdminScope): AdminCaller | AdminDenied {
  const { adminKeys, gatewayKeys } = state.table.bundle.auth;
  return authorizeAdmin(presented, adminKeys, gatewayKeys.length + (state.runtimeKeys?.keys.length ?? 0), need);
}

/** The bearer token or `x-api-key` of a request's headers. */
export function presentedAdminKey(authorization: string | undefined, apiKey: string | undefined): string | undefined {
  return /^Bearer\s+(.+)$/i.exec((authorization ?? '').trim())?.[1] ?? apiKey;
}
