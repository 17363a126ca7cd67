/** `anyrouter usage [--by model|key|app|user|upstream] [--bucket hour|day] [--since 24h] [--db FILE|URL]`: requests, tokens, cost, errors, latency. */
import { parseTime } from '../../runtime/admin/admin-routes.js';
import { USAGE_GROUPS, type UsageBucket, type UsageGroupBy } from '../../runtime/observability/usage-query.js';
import { clipCell, formatTable, openRequestLog, requestLogOptions } from '../request-log-input.js';
import { UsageError } from '../usage.js';

/** The widest group cell: an end user or app name can be as long as the client sent it (GET /api/usage has it whole). */
const GROUP_WIDTH = 40;

export const usageCommand = {
  options: { ...requestLogOptions, by: { type: 'string' }, bucket: { type: 'string' }, since: { type: 'string' } },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const by = values.by === undefined ? 'model' : String(values.by);
    if (!(USAGE_GROUPS as readonly string[]).includes(by)) throw new UsageError(`--by is one of ${USAGE_GROUPS.join(', ')}, not '${by}'`);
    if (values.bucket !== undefined && !['hour', 'day'].includes(String(values.bucket))) throw new UsageError(`--bucket is hour or day`);
    const from = parseTime(typeof values.since === 'string' ? values.since : undefined, Date.now());
    if (from === 'invalid') throw new UsageError('--since takes a duration such as 24h or 7d, or a date');
    const store = await openRequestLog(values);
    if (typeof store === 'string') {
      process.stderr.write(`anyrouter usage: ${store}\n`);
      return 1;
    }
    try {
      const rows = await store.usage({ groupBy: by as UsageGroupBy, ...(values.bucket ? { bucket: values.bucket as UsageBucket } : {}), ...(from !== undefined ? { from } : {}) });
      const header = [...(values.bucket ? ['bucket'] : []), by, 'requests', 'errors', 'prompt', 'completion', 'cost', 'p50 ms', 'p99 ms'];
      const table = rows.map((r) => [
        ...(values.bucket ? [new Date(r.bucketStart ?? 0).toISOString().slice(0, values.bucket === 'day' ? 10 : 13)] : []),
        clipCell(r.group ?? '-', GROUP_WIDTH),
        String(r.requests),
        `${(r.errorRate * 100).toFixed(1)}%`,
        String(r.promptTokens),
        String(r.completionTokens),
        `$${r.costUsd.toFixed(6)}`,
        String(Math.round(r.p50LatencyMs)),
        String(Math.round(r.p99LatencyMs)),
      ]);
      process.stdout.write((table.length === 0 ? 'no requests logged in that range' : formatTable(header, table)) + '\n');
      return 0;
    } finally {
      await store.close();
    }
  },
} as const;
