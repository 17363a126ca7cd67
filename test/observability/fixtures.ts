import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordEncoder, type EncodedRecords } from '../../src/runtime/observability/record-codec.js';
import type { AttemptTrace, RequestRecord } from '../../src/runtime/observability/request-record.js';

export const T0 = Date.UTC(2026, 0, 15, 10, 0, 0);

let counter = 0;

export function attempt(over: Partial<AttemptTrace> = {}): AttemptTrace {
  return {
    upstream: 'openai/gpt-5.4-mini',
    provider: 'openai',
    upstreamModel: 'gpt-5.4-mini',
    keyName: 'main',
    keyTier: 'shared',
    outcome: 'success',
    status: 200,
    startedAt: T0,
    latencyMs: 100,
    ttfbMs: 40,
    ...over,
  };
}

export function record(over: Partial<RequestRecord> = {}): RequestRecord {
  counter++;
  return {
    id: `req_${counter.toString().padStart(6, '0')}`,
    time: T0 + counter,
    gatewayKey: 'team-a',
    app: { title: 'Notes App', version: '1.2.0', referer: 'https://notes.example' },
    protocol: 'openai-chat',
    requestedModel: 'gpt-5.4-mini',
    servedModel: 'openai/gpt-5.4-mini',
    stream: false,
    status: 200,
    latencyMs: 120,
    ttfbMs: 45,
    tokens: { prompt: 100, completion: 20, cached: 0, reasoning: 0 },
    costUsd: 0.000065,
    attempts: [attempt()],
    ...over,
  };
}

/** A fresh temp folder per test; removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'anyrouter-obs-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Records as the queue hands them to a writer (bodies kept). */
export function encoded(...records: RequestRecord[]): EncodedRecords {
  const encoder = new RecordEncoder();
  for (const r of records) encoder.add(r);
  return encoder.finish();
}
