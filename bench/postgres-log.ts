/**
 * For `--only pglog` and `--logging postgres`: a fresh schema in the bench's PostgreSQL for the gateways'
 * request log (dropped at the end), the rows it holds, and a gateway's own log counters from /metrics.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const DEFAULT_BENCH_DATABASE = 'postgres://postgres@127.0.0.1:5432/test';

export interface BenchSchema {
  /** The URL with this schema as its search_path: what the gateways log to. */
  url: string;
  /** Requests stored so far. */
  rows(): Promise<number>;
  drop(): Promise<void>;
}

export async function createBenchSchema(base: string): Promise<BenchSchema> {
  const schema = `anyrouter_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5_000 });
  admin.on('error', () => undefined);
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async rows() {
      const { rows } = await admin.query<{ n: string }>(`SELECT count(*) AS n FROM "${schema}".requests`);
      return Number(rows[0]?.n ?? 0);
    },
    async drop() {
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** A gateway's requests served (all statuses) and request log records dropped, from its /metrics. */
export async function logCounters(gatewayUrl: string): Promise<{ requests: number; dropped: number }> {
  const text = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const sum = (name: string) =>
    [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))].reduce((total, m) => total + Number(m[1]), 0);
  return { requests: sum('anyrouter_requests_total'), dropped: sum('anyrouter_log_records_dropped') };
}
