import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AccessLogWriter } from '../../src/runtime/observability/access-log.js';
import { startRequestLog } from '../../src/runtime/observability/request-log.js';
import { attempt, record, tempDir } from './fixtures.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function file(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return join(dir, 'access.log');
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A child process whose stdin is a pipe: `script` decides when (if ever) it reads it. Returns the
 * pipe's fd on our side, and `ready`, which resolves once the child runs (its start-up is not counted
 * in the script's timers).
 */
function pipeTo(script: string): { child: ChildProcess; fd: number; lines: () => number; ready: Promise<void> } {
  const child = spawn(process.execPath, ['-e', `process.stderr.write('ready\\n'); ${script}`], { stdio: ['pipe', 'pipe', 'pipe'] });
  const ready = new Promise<void>((resolve) => child.stderr!.once('data', () => resolve()));
  cleanups.push(() => child.kill());
  let lines = 0;
  child.stdout!.on('data', (d: Buffer) => {
    for (const byte of d) if (byte === 10) lines++;
  });
  // the same non-blocking pipe Node makes of a process's stdout when it is piped
  const fd = (child.stdin as unknown as { _handle: { fd: number } })._handle.fd;
  return { child, fd, lines: () => lines, ready };
}

describe('access log', () => {
  it('writes one JSON line per record in pino shape, every attempt included', () => {
    const path = file();
    const log = new AccessLogWriter(path);
    log.write([record({ id: 'a' }), record({ id: 'b', status: 502, servedModel: undefined, errorClass: 'http_502', attempts: [attempt({ status: 502, provider: 'other' })] })]);
    log.close();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // pino's shape: level 30 (info), time in epoch ms; the rest is the request record
    expect(lines.map((l) => [l.id, l.status, (l.attempts as Array<{ provider: string }>).at(-1)!.provider, l.msg, l.level])).toEqual([
      ['a', 200, 'openai', 'request', 30],
      ['b', 502, 'other', 'request', 30],
    ]);
    expect(lines[1]).toMatchObject({ errorClass: 'http_502', requestedModel: 'gpt-5.4-mini', gatewayKey: 'team-a' });
    expect(lines[1]).not.toHaveProperty('servedModel');
    expect(typeof lines[0]!.time).toBe('number');
  });

  it('never prints bodies, even when the record carries them for the store', () => {
    const path = file();
    const log = new AccessLogWriter(path);
    const withBodies = record({ id: 'with-bodies', bodies: { request: 'the secret prompt', response: 'the answer' } });
    log.write([withBodies]);
    log.close();
    const printed = readFileSync(path, 'utf8');
    expect(printed).toContain('with-bodies');
    expect(printed).not.toContain('secret prompt');
    expect(printed).not.toContain('the answer');
    expect(withBodies.bodies).toBeDefined(); // the record itself is left as it was
  });

  it('gives a slow reader up to a second at close to take the last lines', async () => {
    // reads from 50 ms on and only counts: it does not write back to us while close() holds our thread
    const reader = pipeTo(`setTimeout(() => {
      let n = 0;
      process.stdin.on('data', (d) => { for (const b of d) if (b === 10) n++; });
      process.stdin.on('end', () => process.stdout.write('\\n'.repeat(n)));
    }, 50)`);
    await reader.ready;
    const log = new AccessLogWriter(reader.fd);
    const big = record({ requestedModel: 'm'.repeat(10_000) });
    log.write(Array.from({ length: 50 }, () => big)); // 500 KB: more than the pipe holds
    log.close(); // blocks until the reader has taken it all
    expect(log.dropped).toBe(0);
    reader.child.stdin!.end();
    await until(() => reader.lines() === 50);
  });

  it('keeps what a full pipe cannot take and writes it once the reader catches up', async () => {
    const reader = pipeTo('setTimeout(() => process.stdin.pipe(process.stdout), 300)');
    const log = new AccessLogWriter(reader.fd);
    const big = record({ requestedModel: 'm'.repeat(10_000) });
    // 2 MB: far more than a pipe holds, less than the cap
    for (let i = 0; i < 20; i++) log.write(Array.from({ length: 10 }, () => big));
    expect(reader.lines()).toBe(0);
    await until(() => reader.lines() === 200);
    expect(log.dropped).toBe(0);
    log.close();
  });

  it('drops and counts lines past its cap while nobody reads, and what is still waiting at close', () => {
    const stuck = pipeTo('setTimeout(() => {}, 30_000)');
    const log = new AccessLogWriter(stuck.fd);
    const big = record({ requestedModel: 'm'.repeat(100_000) });
    for (let i = 0; i < 200; i++) log.write([big]); // 20 MB
    expect(log.dropped).toBeGreaterThan(100);
    expect(log.dropped).toBeLessThan(200);
    log.close();
    expect(log.dropped).toBeGreaterThanOrEqual(190); // all but the few lines the pipe's buffer took
  });

  it('reports the lines it could not print from the log worker, for the dropped-lines metric', async () => {
    const stuck = pipeTo('setTimeout(() => {}, 30_000)');
    const log = await startRequestLog({ store: false, accessLog: stuck.fd, queue: { batchSize: 10, flushIntervalMs: 1 } });
    const big = record({ requestedModel: 'm'.repeat(100_000) });
    for (let i = 0; i < 120; i++) log.record(big); // 12 MB of lines: past what the pipe and the cap hold
    await until(() => log.stats().written === 120);
    expect(log.stats().accessLogDropped).toBeGreaterThan(0);
    await log.close();
  });

  it('never throws: a closed descriptor costs the lines, not the caller', () => {
    const path = file();
    const log = new AccessLogWriter(path);
    log.close();
    expect(() => log.write([record()])).not.toThrow();
    expect(log.dropped).toBe(1);
  });
});
