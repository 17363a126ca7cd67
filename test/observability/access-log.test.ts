import { PassThrough, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { AccessLog } from '../../src/runtime/observability/access-log.js';
import { attempt, record } from './fixtures.js';

describe('access log', () => {
  it('writes one JSON line per request, batched off the request path', async () => {
    const out = new PassThrough();
    let printed = '';
    let writes = 0;
    out.on('data', (chunk: Buffer) => {
      writes++;
      printed += chunk.toString();
    });
    const log = new AccessLog(out);
    log.write(record({ id: 'a' }));
    log.write(record({ id: 'b', status: 502, servedModel: undefined, errorClass: 'http_502', attempts: [attempt({ status: 502, provider: 'other' })] }));
    await new Promise((r) => setImmediate(r));
    expect(printed).toBe(''); // nothing written while the requests were answered
    await new Promise((r) => setTimeout(r, 150));
    const lines = printed.trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(writes).toBe(1);
    // pino's shape: level 30 (info), time in epoch ms; the rest is the request record, every attempt included
    expect(lines.map((l) => [l.id, l.status, (l.attempts as Array<{ provider: string }>).at(-1)!.provider, l.msg, l.level])).toEqual([
      ['a', 200, 'openai', 'request', 30],
      ['b', 502, 'other', 'request', 30],
    ]);
    expect(lines[1]).toMatchObject({ errorClass: 'http_502', requestedModel: 'gpt-5.4-mini', gatewayKey: 'team-a' });
    expect(lines[1]).not.toHaveProperty('servedModel');
    expect(typeof lines[0]!.time).toBe('number');
  });

  it('never prints bodies, even when the record carries them for the store', async () => {
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const log = new AccessLog(out);
    log.write(record({ id: 'with-bodies', bodies: { request: 'the secret prompt', response: 'the answer' } }));
    log.flush();
    await new Promise((r) => setImmediate(r));
    expect(printed).toContain('with-bodies');
    expect(printed).not.toContain('secret prompt');
    expect(printed).not.toContain('the answer');
  });

  it('flushes on demand, and drops (and counts) lines once a blocked stdout holds too much', () => {
    const held: string[] = [];
    // a destination that never drains
    const blocked = new Writable({ highWaterMark: 1024, write: (chunk: Buffer, _e, _callback) => void held.push(chunk.toString()) });
    const log = new AccessLog(blocked);
    const big = record({ requestedModel: 'm'.repeat(100_000) });
    for (let i = 0; i < 200; i++) {
      log.write(big);
      log.flush();
    }
    expect(log.dropped).toBeGreaterThan(0);
    expect(log.dropped).toBeLessThan(200);
    expect(blocked.listenerCount('drain')).toBeLessThanOrEqual(1);
  });
});
