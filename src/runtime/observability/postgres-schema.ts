/**
 * The request log's PostgreSQL schema as an ordered list of migrations, applied at start and recorded
 * in `schema_migrations` (version, name, applied_at). Several gateways may start at once against one
 * database: each migration runs in its own transaction under an advisory lock keyed by the schema, and
 * re-reads the version inside it. Never edit a shipped migration: append one.
 *
 * The tables sit in the first schema of the connection's `search_path` (by default `public`; a URL's
 * `?options=-c%20search_path%3Dname` picks another). Columns mirror the SQLite log (sqlite-schema.ts)
 * so both stores read the same row shape; `stream` and `failed` are booleans, `attempts` is jsonb.
 */
import type { PoolClient } from 'pg';

export interface PostgresMigration {
  version: number;
  name: string;
  sql: string;
}

export const POSTGRES_MIGRATIONS: readonly PostgresMigration[] = [
  {
    version: 1,
    name: 'requests with their attempts',
    sql: `
      CREATE TABLE requests (
        seq               bigint           GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id                text             NOT NULL UNIQUE,
        time              bigint           NOT NULL,
        gateway_key       text,
        app               text,
        app_title         text,
        app_source        text,
        app_version       text,
        app_referer       text,
        protocol          text             NOT NULL,
        requested_model   text             NOT NULL,
        preset            text,
        served_model      text,
        model             text             NOT NULL,
        upstream          text,
        stream            boolean          NOT NULL,
        status            integer          NOT NULL,
        error_class       text,
        failed            boolean          NOT NULL,
        latency_ms        double precision NOT NULL,
        ttfb_ms           double precision,
        prompt_tokens     bigint,
        completion_tokens bigint,
        cached_tokens     bigint,
        reasoning_tokens  bigint,
        cost_nano_usd     bigint,
        attempt_count     integer          NOT NULL,
        request_body      text,
        response_body     text,
        attempts          jsonb            NOT NULL DEFAULT '[]'
      );
      -- newest first with the seq tie-break of the cursor; the other indexes as SQLite's (version 4)
      CREATE INDEX requests_by_time  ON requests (time, seq);
      CREATE INDEX requests_by_model ON requests (model, time);
      CREATE INDEX requests_by_key   ON requests (gateway_key, time);
      CREATE INDEX requests_by_app   ON requests (app, time) WHERE app IS NOT NULL;
      CREATE INDEX requests_by_asked ON requests (requested_model, time) WHERE requested_model <> model;
      CREATE INDEX requests_failed   ON requests (time) WHERE failed;
    `,
  },
  {
    // the end user a client names (OpenAI's `user`, Anthropic's `metadata.user_id`): usage per user (as SQLite's version 5)
    version: 2,
    name: 'end user of a request',
    sql: `
      ALTER TABLE requests ADD COLUMN end_user text;
      CREATE INDEX requests_by_user ON requests (end_user, time) WHERE end_user IS NOT NULL;
    `,
  },
];

export const POSTGRES_SCHEMA_VERSION = POSTGRES_MIGRATIONS.length;

/**
 * Applies the migrations the database lacks and returns how many ran (0 on a second start). Refuses a
 * database written by a newer gateway.
 */
export async function migratePostgres(client: Pick<PoolClient, 'query'>, migrations: readonly PostgresMigration[] = POSTGRES_MIGRATIONS): Promise<number> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  let applied = 0;
  // one step more than there are migrations: the last only checks the version under the lock
  for (const migration of [...migrations, undefined]) {
    await client.query('BEGIN');
    try {
      // two gateways starting at once: the second waits here, then finds the migration applied
      await client.query(`SELECT pg_advisory_xact_lock(hashtext('anyrouter.request_log:' || current_schema()))`);
      await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer PRIMARY KEY,
        name       text    NOT NULL,
        applied_at bigint  NOT NULL
      )`);
      const current = await schemaVersion(client);
      if (current > latest) throw new Error(`request log schema version ${current} is newer than this gateway supports (${latest})`);
      if (migration !== undefined && current < migration.version) {
        if (current !== migration.version - 1) throw new Error(`request log schema is at version ${current}; cannot apply migration ${migration.version}`);
        await client.query(migration.sql);
        await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [migration.version, migration.name, Date.now()]);
        applied++;
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }
  return applied;
}

/** The highest migration applied, 0 for none (or no `schema_migrations` table). */
export async function schemaVersion(client: Pick<PoolClient, 'query'>): Promise<number> {
  const exists = await client.query<{ t: string | null }>(`SELECT to_regclass('schema_migrations')::text AS t`);
  if (exists.rows[0]?.t == null) return 0;
  const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return rows[0]?.v ?? 0;
}
