/**
 * `anyrouter logs [--follow] [--failed] [--model M] [--limit N] [--format text|json] [--db FILE|URL]`: recent
 * requests as a readable table, each with its chain of attempts (`primary 429 → secondary 200`);
 * `anyrouter logs --id REQ_ID`: one request's whole trace. `--format json`: one record per line (the trace, pretty).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestFilter, RequestSummary } from '../../runtime/observability/request-queries.js';
import type { RequestRecord } from '../../runtime/observability/request-record.js';
import type { RequestStore } from '../../runtime/observability/request-store.js';
import { formatTable, openRequestLog, requestLogOptions } from '../request-log-input.js';
import { attemptChain, formatTrace } from '../request-trace-text.js';
import { UsageError } from '../usage.js';

const HEADER = ['time', 'id', 'key', 'model', 'upstream', 'status', 'attempts', 'ms', 'tokens', 'cost'];
const FORMATS = ['text', 'json'];

/** A listed request with its attempts, bodies left out (the list's records; `--id` shows the bodies). */
type ListedRecord = Omit<RequestRecord, 'bodies'>;

function row(r: ListedRecord): string[] {
  const model = r.servedModel && r.servedModel !== r.requestedModel ? `${r.requestedModel} -> ${r.servedModel}` : r.requestedModel;
  const last = r.attempts[r.attempts.length - 1];
  return [
    new Date(r.time).toISOString().replace('T', ' ').slice(0, 19),
    r.id,
    r.gatewayKey ?? '-',
    model || '-',
    last?.upstream ?? '-',
    r.errorClass ? `${r.status} ${r.errorClass}` : String(r.status),
    attemptChain(r.attempts),
    String(Math.round(r.latencyMs)),
    r.tokens ? `${r.tokens.prompt}/${r.tokens.completion}` : '-',
    r.costUsd !== undefined ? `$${r.costUsd.toFixed(6)}` : '-',
  ];
}

/** The listed requests with their attempts (one lookup each: a page is a few dozen rows). */
async function withAttempts(store: RequestStore, summaries: readonly RequestSummary[]): Promise<ListedRecord[]> {
  const records: ListedRecord[] = [];
  for (const s of summaries) {
    const { attemptCount: _count, upstream: _upstream, ...summary } = s;
    const full = s.attemptCount > 0 ? await store.getRequest(s.id) : undefined;
    records.push({ ...summary, attempts: full?.attempts ?? [] });
  }
  return records;
}

export const logsCommand = {
  options: {
    ...requestLogOptions,
    follow: { type: 'boolean', short: 'f' },
    failed: { type: 'boolean' },
    model: { type: 'string', short: 'm' },
    limit: { type: 'string', short: 'n' },
    id: { type: 'string' },
    format: { type: 'string' },
  },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit takes a positive whole number, not '${String(values.limit)}'`);
    const format = values.format ?? 'text';
    if (typeof format !== 'string' || !FORMATS.includes(format)) throw new UsageError(`--format takes text or json, not '${String(format)}'`);
    if (values.id !== undefined && (typeof values.id !== 'string' || values.id === '')) throw new UsageError('--id takes a request id (the x-anyrouter-request-id header, or the id column)');
    if (values.id !== undefined && values.follow) throw new UsageError('--id shows one request: it does not take --follow');
    const store = await openRequestLog(values);
    if (typeof store === 'string') {
      process.stderr.write(`anyrouter logs: ${store}\n`);
      return 1;
    }
    try {
      if (typeof values.id === 'string') {
        const record = await store.getRequest(values.id);
        if (!record) {
          process.stderr.write(`anyrouter logs: no request '${values.id}' in the log at ${store.location}\n`);
          return 1;
        }
        process.stdout.write((format === 'json' ? JSON.stringify(record, null, 2) : formatTrace(record)) + '\n');
        return 0;
      }
      const print = (records: readonly ListedRecord[], withHeader: boolean) => {
        if (format === 'json') {
          for (const r of records) process.stdout.write(JSON.stringify(r) + '\n');
          return;
        }
        const table = formatTable(HEADER, records.map(row));
        process.stdout.write((withHeader ? table : table.slice(table.indexOf('\n') + 1)) + '\n');
      };
      const filter: RequestFilter = {};
      if (values.failed) filter.status = 'failed';
      if (typeof values.model === 'string') filter.model = values.model;
      const page = await store.listRequests(filter, { limit });
      const rows = await withAttempts(store, page.requests.slice().reverse());
      const none = Object.keys(filter).length > 0 ? 'no requests match these filters' : 'no requests logged yet';
      if (rows.length === 0 && format === 'text') process.stdout.write(none + '\n');
      else print(rows, true);
      if (!values.follow) return 0;
      const seen = new Set(rows.map((r) => r.id));
      let since = rows.length > 0 ? rows[rows.length - 1]!.time : Date.now() - 1000;
      for (;;) {
        await sleep(1000);
        const fresh = (await store.listRequests({ ...filter, from: since }, { limit: 1000 })).requests.filter((r) => !seen.has(r.id)).reverse();
        for (const r of fresh) {
          seen.add(r.id);
          since = Math.max(since, r.time);
        }
        if (fresh.length > 0) print(await withAttempts(store, fresh), false);
      }
    } finally {
      await store.close();
    }
  },
} as const;
