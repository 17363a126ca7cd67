/** `anyrouter logs [--follow] [--failed] [--model M] [--limit N] [--db FILE|URL]`: recent requests as a readable table. */
import { setTimeout as sleep } from 'node:timers/promises';
import type { RequestFilter, RequestSummary } from '../../runtime/observability/request-queries.js';
import { formatTable, openRequestLog, requestLogOptions } from '../request-log-input.js';
import { UsageError } from '../usage.js';

const HEADER = ['time', 'id', 'key', 'model', 'upstream', 'status', 'attempts', 'ms', 'tokens', 'cost'];

function row(r: RequestSummary): string[] {
  const model = r.servedModel && r.servedModel !== r.requestedModel ? `${r.requestedModel} -> ${r.servedModel}` : r.requestedModel;
  return [
    new Date(r.time).toISOString().replace('T', ' ').slice(0, 19),
    r.id,
    r.gatewayKey ?? '-',
    model,
    r.upstream ?? '-',
    r.errorClass ? `${r.status} ${r.errorClass}` : String(r.status),
    String(r.attemptCount),
    String(Math.round(r.latencyMs)),
    r.tokens ? `${r.tokens.prompt}/${r.tokens.completion}` : '-',
    r.costUsd !== undefined ? `$${r.costUsd.toFixed(6)}` : '-',
  ];
}

export const logsCommand = {
  options: { ...requestLogOptions, follow: { type: 'boolean', short: 'f' }, failed: { type: 'boolean' }, model: { type: 'string', short: 'm' }, limit: { type: 'string', short: 'n' } },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit <= 0) throw new UsageError(`--limit takes a positive whole number, not '${String(values.limit)}'`);
    const store = await openRequestLog(values);
    if (typeof store === 'string') {
      process.stderr.write(`anyrouter logs: ${store}\n`);
      return 1;
    }
    try {
      const filter: RequestFilter = {};
      if (values.failed) filter.status = 'failed';
      if (typeof values.model === 'string') filter.model = values.model;
      const page = await store.listRequests(filter, { limit });
      const rows = page.requests.slice().reverse();
      const none = Object.keys(filter).length > 0 ? 'no requests match these filters' : 'no requests logged yet';
      process.stdout.write((rows.length === 0 ? none : formatTable(HEADER, rows.map(row))) + '\n');
      if (!values.follow) return 0;
      const seen = new Set(rows.map((r) => r.id));
      let since = rows.length > 0 ? rows[rows.length - 1]!.time : Date.now() - 1000;
      for (;;) {
        await sleep(1000);
        const fresh = (await store.listRequests({ ...filter, from: since }, { limit: 1000 })).requests.filter((r) => !seen.has(r.id)).reverse();
        for (const r of fresh) {
          seen.add(r.id);
          since = Math.max(since, r.time);
          process.stdout.write(formatTable(HEADER, [row(r)]).split('\n')[1] + '\n');
        }
      }
    } finally {
      await store.close();
    }
  },
} as const;
