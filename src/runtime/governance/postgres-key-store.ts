/** Run-time gateway keys in PostgreSQL (`logging.postgres`): a table beside the request log's. */
import pg from 'pg';
import { keyOf, patched, rowOf, type KeyPatch, type KeyRow, type KeyStore, type RuntimeKey } from './key-store.js';

export class PostgresKeyStore implements KeyStore {
  private constructor(private readonly pool: pg.Pool) {}

  static async open(url: string): Promise<PostgresKeyStore> {
    const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5_000, application_name: 'anyrouter-keys' });
    pool.on('error', () => undefined);
    await pool.query(`CREATE TABLE IF NOT EXISTS gateway_keys (
      name text PRIMARY KEY, sha256 text NOT NULL UNIQUE, spec text NOT NULL, created_at int8 NOT NULL, revoked_at int8
    )`);
    return new PostgresKeyStore(pool);
  }

  async list(): Promise<RuntimeKey[]> {
    const { rows } = await this.pool.query<KeyRow>('SELECT name, sha256, spec, created_at, revoked_at FROM gateway_keys ORDER BY name');
    return rows.map(keyOf);
  }

  async insert(key: RuntimeKey): Promise<boolean> {
    const row = rowOf(key);
    const result = await this.pool.query('INSERT INTO gateway_keys (name, sha256, spec, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING', [row.name, row.sha256, row.spec, row.created_at, row.revoked_at]);
    return result.rowCount === 1;
  }

  async update(name: string, patch: KeyPatch): Promise<RuntimeKey | undefined> {
    const { rows } = await this.pool.query<KeyRow>('SELECT name, sha256, spec, created_at, revoked_at FROM gateway_keys WHERE name = $1 AND revoked_at IS NULL', [name]);
    if (rows.length === 0) return undefined;
    const next = patched(keyOf(rows[0]!), patch);
    await this.pool.query('UPDATE gateway_keys SET spec = $1 WHERE name = $2', [rowOf(next).spec, name]);
    return next;
  }

  async revoke(name: string, at: number): Promise<boolean> {
    const result = await this.pool.query('UPDATE gateway_keys SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL', [at, name]);
    return result.rowCount === 1;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
