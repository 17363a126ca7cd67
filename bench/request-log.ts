/**
 * What the request log costs per record: total process CPU (all threads, so the SQLite worker counts)
 * while a busy gateway's worth of records (~30k/s offered) goes through the queue into SQLite, with the
 * store in its worker thread and, for comparison, on the main thread.
 * Run: npm run bench:log [-- --records N]
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startRequestLog } from '../src/runtime/observability/request-log.js';
import type { RequestRecord } from '../src/runtime/observability/request-record.js';

const { values } = parseArgs({ options: { records: { type: 'string', default: '30000' } } });
const N = Number(values.records);

const record = (i: number): RequestRecord => ({
  id: `req_${i}`,
  time: Date.now(),
  gatewayKey: 'bench',
  app: {},
  protocol: 'openai-chat',
  requestedModel: 'bench/fast',
  servedModel: 'bench/fast',
  stream: false,
  status: 200,
  latencyMs: 1.2,
  ttfbMs: 1,
  tokens: { prompt: 10, completion: 5, cached: 0, reasoning: 0 },
  costUsd: 0.00002,
  attempts: [{ upstream: 'fast/m', provider: 'fast', upstreamModel: 'm', keyName: 'main', keyTier: 'byok', outcome: 'success', status: 200, startedAt: Date.now(), latencyMs: 1 }],
});

for (const thread of ['worker', 'main'] as const) {
  const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-log-bench-'));
  try {
    const log = await startRequestLog({ path: path.join(dir, 'bench.db'), thread, secrets: ['sk-bench-secret-0123456789abcdef'] });
    const cpu = process.cpuUsage();
    const started = Date.now();
    let i = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        for (let k = 0; k < 300 && i < N; k++) log.record(record(i++));
        if (i >= N) {
          clearInterval(timer);
          resolve();
        }
      }, 10);
    });
    await log.close();
    const used = process.cpuUsage(cpu);
    console.log(`store on the ${thread} thread: ${((used.user + used.system) / N).toFixed(1)} µs CPU per record (all threads), ${log.stats().batches} batches, ${log.stats().dropped} dropped, ${Date.now() - started} ms for ${N} records`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
