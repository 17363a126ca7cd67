/**
 * The real PostgreSQL on this machine (127.0.0.1:5432, trust auth, user postgres, database `test`) for
 * the request log's tests, one fresh schema per test file: `usePostgres()` creates it before the file's
 * tests and drops it after, and hands out a URL whose `search_path` is that schema, so runs and files
 * never see each other's rows.
 *
 * Unreachable: under CI=true the file fails (a test that says why); elsewhere its tests are skipped
 * with a one-line note. `ANYROUTER_TEST_POSTGRES` overrides the server's URL.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, it } from 'vitest';

export const TEST_POSTGRES = process.env.ANYROUTER_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestPostgres {
  /** False when the server could not be reached (outside CI only: under CI the file fails instead). */
  available: boolean;
  /** The URL with this file's schema as its search_path (valid once `beforeAll` ran). */
  url: string;
  schema: string;
  /** The URL of another new, empty schema of this file (dropped with it): one per test that counts rows. */
  fresh(): Promise<string>;
  /** Requests stored in the schema of `url` (one of `fresh()`'s). */
  requests(url: string): Promise<number>;
  /** Runs SQL in this file's schema. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** A URL of `base` whose connections use `schema` (created by the caller). */
export function withSearchPath(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** The schema a `withSearchPath` URL names. */
export function schemaOf(url: string): string {
  return (new URL(url).searchParams.get('options') ?? '').replace(/^-c search_path=/, '');
}

async function reachable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Top-level: `const pgdb = await usePostgres(); describe.skipIf(!pgdb.available)(...)`. */
export async function usePostgres(label: string): Promise<TestPostgres> {
  const schema = `anyrouter_${label.replace(/\W/g, '_')}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const why = await reachable();
  const admin = new pg.Pool({ connectionString: withSearchPath(TEST_POSTGRES, schema), max: 2 });
  admin.on('error', () => undefined);
  const extra: string[] = [];
  const db: TestPostgres = {
    available: why === undefined,
    url: withSearchPath(TEST_POSTGRES, schema),
    schema,
    async fresh() {
      const name = `${schema}_${extra.length + 1}`;
      extra.push(name);
      await admin.query(`CREATE SCHEMA "${name}"`);
      return withSearchPath(TEST_POSTGRES, name);
    },
    async requests(url) {
      const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schemaOf(url)}".requests`);
      return Number(rows[0]?.n ?? 0);
    },
    query: (sql, params) => admin.query(sql, params),
  };
  if (why !== undefined) {
    if (process.env.CI === 'true') {
      it('reaches PostgreSQL (required under CI=true)', () => {
        throw new Error(`PostgreSQL at ${TEST_POSTGRES} is unreachable (${why}); .ci/run starts it`);
      });
    } else {
      process.stderr.write(`skipping the PostgreSQL tests of ${label}: ${TEST_POSTGRES} is unreachable (${why})\n`);
    }
    await admin.end();
    return db;
  }
  beforeAll(async () => {
    await admin.query(`CREATE SCHEMA "${schema}"`);
  });
  afterAll(async () => {
    for (const name of [schema, ...extra]) await admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await admin.end();
  });
  return db;
}
