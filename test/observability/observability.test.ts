import { existsSync, readFileSync } from 'node:fs';
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
  const accessLog = join(dir, 'access.log');
  const observability = await startObservability({
    config: {
      logging: { enabled: false, path: join(dir, 'log.db'), retentionDays: 30, bodies: false, bodyMaxBytes: 0, redact: false, accessLog: true, ...logging },
      telemetry: { otlpHeaders: {}, serviceName: 'test' },
    },
    secrets: [],
    health: () => new HealthState(),
    now: Date.now,
    otlpHeaders: {},
    accessLogTo: accessLog,
  });
  open.push(observability);
  return { observability, dir, printed: () => (existsSync(accessLog) ? readFileSync(accessLog, 'utf8') : '') };
}

async function until(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const requestsCounted = async (o: Observability) => /anyrouter_requests_total\{[^}]*\} (\d+)/.exec((await o.metrics.text()).body)?.[1];

describe('observability', () => {
  it('takes a record in O(1) and hands it on at the next flush; the log worker prints it', async () => {
    const { observability, printed } = await start({});
    observability.record(record({ id: 'gathered' }));
    await new Promise((r) => setImmediate(r));
    expect(printed()).toBe('');
    observability.flush();
    // the queue's timer hands the batch to the worker, which writes the line
    await until(() => printed().includes('"id":"gathered"'));
  });

  it('prints the access log with the request log off, and without a database file', async () => {
    const { observability, printed, dir } = await start({ enabled: false });
    expect(observability.log).toBeUndefined();
    observability.record(record({ id: 'printed-only' }));
    await until(() => printed().includes('"id":"printed-only"'));
    expect(existsSync(join(dir, 'log.db'))).toBe(false);
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
    await until(() => printed().includes('"id":"after-it"'));
    expect(printed()).not.toContain('"id":"broken"');
  });
});
