/**
 * The request log's schema as an ordered list of migrations. The database's `user_version` is the
 * number of migrations applied; opening a store applies the missing ones, each in its own
 * transaction, and records each in `schema_migrations`. Never edit a shipped migration: append one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'requests and attempts',
    sql: `
      CREATE TABLE requests (
        seq               INTEGER PRIMARY KEY,
        id                TEXT    NOT NULL UNIQUE,
        time              INTEGER NOT NULL,
        gateway_key       TEXT,
        app               TEXT,
        app_title         TEXT,
        app_source        TEXT,
        app_version       TEXT,
        app_referer       TEXT,
        protocol          TEXT    NOT NULL,
        requested_model   TEXT    NOT NULL,
        preset            TEXT,
        served_model      TEXT,
        model             TEXT    NOT NULL,
        upstream          TEXT,
        stream            INTEGER NOT NULL,
        status            INTEGER NOT NULL,
        error_class       TEXT,
        failed            INTEGER NOT NULL,
        latency_ms        REAL    NOT NULL,
        ttfb_ms           REAL,
        prompt_tokens     INTEGER,
        completion_tokens INTEGER,
        cached_tokens     INTEGER,
        reasoning_tokens  INTEGER,
        cost_nano_usd     INTEGER,
        attempt_count     INTEGER NOT NULL,
        request_body      TEXT,
        response_body     TEXT
      );
      CREATE INDEX requests_by_time     ON requests (time);
      CREATE INDEX requests_by_model    ON requests (model, time);
      CREATE INDEX requests_by_asked    ON requests (requested_model, time);
      CREATE INDEX requests_by_key      ON requests (gateway_key, time);
      CREATE INDEX requests_by_app      ON requests (app, time);
      CREATE INDEX requests_by_upstream ON requests (upstream, time);
      CREATE INDEX requests_by_status   ON requests (status, time);
      CREATE INDEX requests_failed      ON requests (time) WHERE failed = 1;

      CREATE TABLE attempts (
        request_seq    INTEGER NOT NULL REFERENCES requests (seq) ON DELETE CASCADE,
        idx            INTEGER NOT NULL,
        upstream       TEXT    NOT NULL,
        provider       TEXT    NOT NULL,
        upstream_model TEXT    NOT NULL,
        key_name       TEXT    NOT NULL,
        key_tier       TEXT    NOT NULL,
        outcome        TEXT    NOT NULL,
        status         INTEGER,
        error_class    TEXT,
        started_at     INTEGER NOT NULL,
        latency_ms     REAL    NOT NULL,
        ttfb_ms        REAL,
        next_because   TEXT,
        PRIMARY KEY (request_seq, idx)
      ) WITHOUT ROWID;
      CREATE INDEX attempts_by_upstream ON attempts (upstream, request_seq);
    `,
  },
  {
    version: 2,
    name: 'attempts by provider',
    sql: `CREATE INDEX attempts_by_provider ON attempts (provider, request_seq);`,
  },
  {
    // one row a request: an attempts table with its key and two indexes was most of the write cost
    // (three B-tree inserts and a statement per attempt); attempts are read only with their request
    version: 3,
    name: 'attempts as a JSON column of their request',
    sql: `
      ALTER TABLE requests ADD COLUMN attempts TEXT NOT NULL DEFAULT '[]';
      UPDATE requests SET attempts = coalesce((
        SELECT json_group_array(json_object(
          'upstream', a.upstream, 'provider', a.provider, 'upstream_model', a.upstream_model,
          'key_name', a.key_name, 'key_tier', a.key_tier, 'outcome', a.outcome, 'status', a.status,
          'error_class', a.error_class, 'started_at', a.started_at, 'latency_ms', a.latency_ms,
          'ttfb_ms', a.ttfb_ms, 'next_because', a.next_because
        ) ORDER BY a.idx)
        FROM attempts a WHERE a.request_seq = requests.seq
      ), '[]');
      DROP TABLE attempts;
    `,
  },
  {
    // every index is a B-tree insert per request (about 1.3 us each): keep those the admin filters
    // need, and make the ones most requests have nothing for partial so those requests skip them
    version: 4,
    name: 'fewer and partial request indexes',
    sql: `
      -- the upstream filter reads the attempts column and usage groups scan by time: never used
      DROP INDEX requests_by_upstream;
      -- a status filter of 400 or more goes through requests_failed; a 2xx one scans by time
      DROP INDEX requests_by_status;
      -- most requests carry no app attribution
      DROP INDEX requests_by_app;
      CREATE INDEX requests_by_app ON requests (app, time) WHERE app IS NOT NULL;
      -- the model filter finds requests whose asked-for name is their model through requests_by_model
      DROP INDEX requests_by_asked;
      CREATE INDEX requests_by_asked ON requests (requested_model, time) WHERE requested_model <> model;
    `,
  },
  {
    // the end user a client names (OpenAI's `user`, Anthropic's `metadata.user_id`): usage per user
    version: 5,
    name: 'end user of a request',
    sql: `
      ALTER TABLE requests ADD COLUMN end_user TEXT;
      CREATE INDEX requests_by_user ON requests (end_user, time) WHERE end_user IS NOT NULL;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Applies the migrations the database lacks and returns how many ran. Safe to call on every open
 * and from several processes: each step re-reads the version inside an IMMEDIATE transaction.
 * Refuses a database written by a newer gateway.
 */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
  )`);
  let applied = 0;
  for (const migration of migrations) {
    const ran = db
      .transaction(() => {
        const current = db.pragma('user_version', { simple: true }) as number;
        if (current >= migration.version) return false;
        if (current !== migration.version - 1) throw new Error(`request log schema is at version ${current}; cannot apply migration ${migration.version}`);
        db.exec(migration.sql);
        db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(migration.version, migration.name, Date.now());
        db.pragma(`user_version = ${migration.version}`);
        return true;
      })
      .immediate();
    if (ran) applied++;
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  if (version > latest) throw new Error(`request log schema version ${version} is newer than this gateway supports (${latest})`);
  return applied;
}
