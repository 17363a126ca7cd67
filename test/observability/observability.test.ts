import { PassThrough } from 'node:stream';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BundleObservability } from '../../src/bundle/format.js';
import { HealthState } from '../../src/runtime/engine/health.js';
import { startObservability, type Observability } from '../../src/runtime/observability/observability.js';
import { record, tempDir } from './fixtures.js';

const open: Observability[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((o) => o.close()));
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function start(logging: Partial<BundleObservability['logging']>) {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  const observability = await startObservability({
    config: {
      logging: { enabled: false, path: join(dir, 'log.db'), retentionDays: 30, bodies: false, bodyMaxBytes: 0, redact: false, accessLog: true, ...logging },
      telemetry: { otlpHeaders: {}, serviceName: 'test' },
    },
    secrets: [],
    health: () => new HealthState(),
    now: Date.now,
    otlpHeaders: {},
    accessLogTo: out,
  });
  open.push(observability);
  return { observability, printed: () => printed };
}

const requestsCounted = async (o: Observability) => /anyrouter_requests_total\{[^}]*\} (\d+)/.exec((await o.metrics.text()).body)?.[1];

describe('observability', () => {
  it('takes a record in O(1) and hands it on at the next flush, within 50 ms', async () => {
    const { observability, printed } = await start({});
    observability.record(record({ id: 'gathered' }));
    await new Promise((r) => setImmediate(r));
    observability.flush();
    // the access log writes on its own timer after the flush handed it the line
    await new Promise((r) => setTimeout(r, 150));
    expect(printed()).toContain('"id":"gathered"');
  });

  it('counts records still waiting when /metrics is read', async () => {
    const { observability } = await start({ accessLog: false });
    for (let i = 0; i < 3; i++) observability.record(record());
    expect(await requestsCounted(observability)).toBe('3');
  });

  it('flushes on its own timer', async () => {
    const { observability } = await start({ accessLog: false });
    observability.record(record());
    await new Promise((r) => setTimeout(r, 120));
    const text = (await observability.metrics.text()).body;
    expect(text).toMatch(/anyrouter_requests_total\{[^}]*\} 1/);
  });

  it('writes gathered records to the request log on close', async () => {
    const { observability } = await start({ enabled: true, accessLog: false });
    observability.record(record({ id: 'at-close' }));
    const log = observability.log!;
    await observability.close();
    open.splice(open.indexOf(observability), 1);
    expect(log.stats()).toMatchObject({ accepted: 1, written: 1, dropped: 0 });
  });

  it('keeps going past a record that breaks a consumer', async () => {
    const { observability, printed } = await start({});
    observability.record({ ...record({ id: 'broken' }), attempts: null } as never);
    observability.record(record({ id: 'after-it' }));
    observability.flush();
    await new Promise((r) => setTimeout(r, 150));
    expect(printed()).toContain('"id":"after-it"');
  });
});
