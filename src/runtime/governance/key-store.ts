/**
 * Gateway keys created at run time (`POST /api/keys`), kept hashed in the request log's database (the SQLite
 * file, or PostgreSQL with `logging.postgres`) in a table of their own. The plaintext is answered once and
 * never stored. Config keys are not here: git holds those.
 */
import type { BundleGatewayKey } from '../../bundle/format.js';

/** A config key's fields (but `shared`), and when it was made, expires and was revoked. */
export interface RuntimeKey extends Pick<BundleGatewayKey, 'name' | 'sha256' | 'models' | 'rpm' | 'tpm' | 'budget'> {
  /** Epoch ms after which the key no longer authenticates. */
  expiresAt?: number;
  createdAt: number;
  revokedAt?: number;
}

/** What PATCH may change; null removes a limit. */
export type KeyPatch = { [K in 'models' | 'rpm' | 'tpm' | 'budget' | 'expiresAt']?: RuntimeKey[K] | null };

export interface KeyStore {
  /** Every key, revoked ones included. */
  list(): Promise<RuntimeKey[]>;
  /** False when the name is taken. */
  insert(key: RuntimeKey): Promise<boolean>;
  update(name: string, patch: KeyPatch): Promise<RuntimeKey | undefined>;
  /** False when there is no such key (or it was revoked already). */
  revoke(name: string, at: number): Promise<boolean>;
  close(): Promise<void>;
}

/** One row as both stores keep it: the limits and the budget as one JSON text. */
export interface KeyRow {
  name: string;
  sha256: string;
  spec: string;
  created_at: number | string;
  revoked_at: number | string | null;
}

export function rowOf(key: RuntimeKey): KeyRow {
  const { name, sha256, createdAt, revokedAt, ...spec } = key;
  return { name, sha256, spec: JSON.stringify(spec), created_at: createdAt, revoked_at: revokedAt ?? null };
}

export function keyOf(row: KeyRow): RuntimeKey {
  const spec = JSON.parse(row.spec) as Omit<RuntimeKey, 'name' | 'sha256' | 'createdAt' | 'revokedAt'>;
  const key: RuntimeKey = { name: row.name, sha256: row.sha256, ...spec, createdAt: Number(row.created_at) };
  if (row.revoked_at !== null) key.revokedAt = Number(row.revoked_at);
  return key;
}

export function patched(key: RuntimeKey, patch: KeyPatch): RuntimeKey {
  const next: RuntimeKey = { ...key };
  for (const [field, value] of Object.entries(patch) as Array<[keyof KeyPatch, unknown]>) {
    if (value === null) delete next[field];
    else if (value !== undefined) (next as unknown as Record<string, unknown>)[field] = value;
  }
  return next;
}
