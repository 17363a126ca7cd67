/** Run-time gateway keys in the SQLite request log file (its own table, its own connection, admin calls only). */
import Database from 'better-sqlite3';
import { keyOf, patched, rowOf, type KeyPatch, type KeyRow, type KeyStore, type RuntimeKey } from './key-store.js';

export class SqliteKeyStore implements KeyStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('busy_timeout = 2000');
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS gateway_keys (
      name TEXT PRIMARY KEY, sha256 TEXT NOT NULL UNIQUE, spec TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER
    )`);
  }

  async list(): Promise<RuntimeKey[]> {
    return (this.db.prepare('SELECT name, sha256, spec, created_at, revoked_at FROM gateway_keys ORDER BY name').all() as KeyRow[]).map(keyOf);
  }

  async insert(key: RuntimeKey): Promise<boolean> {
    const row = rowOf(key);
    return this.db.prepare('INSERT INTO gateway_keys (name, sha256, spec, created_at, revoked_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING').run(row.name, row.sha256, row.spec, row.created_at, row.revoked_at).changes === 1;
  }

  async update(name: string, patch: KeyPatch): Promise<RuntimeKey | undefined> {
    const row = this.db.prepare('SELECT name, sha256, spec, created_at, revoked_at FROM gateway_keys WHERE name = ? AND revoked_at IS NULL').get(name) as KeyRow | undefined;
    if (!row) return undefined;
    const next = patched(keyOf(row), patch);
    this.db.prepare('UPDATE gateway_keys SET spec = ? WHERE name = ?').run(rowOf(next).spec, name);
    return next;
  }

  async revoke(name: string, at: number): Promise<boolean> {
    return this.db.prepare('UPDATE gateway_keys SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL').run(at, name).changes === 1;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
