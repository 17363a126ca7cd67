/**
 * The upstream call on its own, against a local server that misbehaves on purpose: first-byte and
 * deadline timeouts on the shared tick, a stream's deadline after its first chunk, and a call still
 * queued for a connection (the pool is full) settling at once when the client goes or its time is up.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Cancellation } from '../../src/runtime/upstream/cancellation.js';
import { callUpstream, type UpstreamCall } from '../../src/runtime/upstream/http-transport.js';
import { OriginPools } from '../../src/runtime/upstream/origin-pools.js';

let server: Server;
let origin: string;
let pools: OriginPools;
let handler: (req: IncomingMessage, res: ServerResponse) => void;
const open = new Set<ServerResponse>();

beforeEach(async () => {
  pools = new OriginPools();
  server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const res of open) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await pools.close();
});

const call = (over: Partial<UpstreamCall> = {}): UpstreamCall => ({
  origin,
  path: '/v1/chat/completions',
  headers: { 'content-type': 'application/json' },
  body: '{}',
  stream: false,
  connections: 4,
  connectTimeoutMs: 1000,
  firstByteMs: 5000,
  idleMs: 5000,
  deadline: Date.now() + 5000,
  signal: new Cancellation(),
  ...over,
});

describe('callUpstream', () => {
  it('collects a JSON answer whole, with its status and headers (hop-by-hop ones dropped)', async () => {
    handler = (_req, res) => {
      res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json', connection: 'keep-alive' });
      res.write('{"error":');
      res.end('{"message":"slow down"}}');
    };
    const outcome = await callUpstream(pools, call());
    expect(outcome).toMatchObject({ kind: 'response', status: 429, headers: { 'retry-after': '2' }, body: { kind: 'buffer' } });
    if (outcome.kind !== 'response' || outcome.body.kind !== 'buffer') throw new Error('unexpected');
    expect(outcome.body.data.toString()).toBe('{"error":{"message":"slow down"}}');
    expect(outcome.headers).not.toHaveProperty('connection');
  });

  it('gives up on an upstream that sends nothing within the first-byte timeout', async () => {
    handler = () => undefined; // never answers
    const started = Date.now();
    const outcome = await callUpstream(pools, call({ firstByteMs: 100 }));
    expect(outcome).toEqual({ kind: 'failure', reason: 'timeout', message: 'upstream first byte timeout' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(95);
  });

  it('settles a stream at its first chunk, hands over the rest, and ends it at the deadline', async () => {
    handler = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      setTimeout(() => res.write('data: {"n":2}\n\n'), 20); // then nothing more
    };
    const outcome = await callUpstream(pools, call({ stream: true, deadline: Date.now() + 200 }));
    if (outcome.kind !== 'response' || outcome.body.kind !== 'stream') throw new Error(`expected a stream, got ${JSON.stringify(outcome)}`);
    expect(outcome.body.first.toString()).toBe('data: {"n":1}\n\n');
    const second = await outcome.body.rest.next();
    expect(second.value?.toString()).toBe('data: {"n":2}\n\n');
    await expect(outcome.body.rest.next()).rejects.toThrow(/deadline/);
  });

  it('a call queued behind a full pool settles at once when the client goes, and when its deadline passes', async () => {
    handler = () => undefined; // holds the only connection
    const busy = callUpstream(pools, call({ connections: 1 }));
    await new Promise((r) => setTimeout(r, 50));

    const client = new Cancellation();
    const queued = callUpstream(pools, call({ connections: 1, signal: client }));
    setTimeout(() => client.cancel(), 30);
    expect(await queued).toEqual({ kind: 'failure', reason: 'aborted', message: 'client closed the request' });

    const started = Date.now();
    const late = await callUpstream(pools, call({ connections: 1, deadline: Date.now() + 80 }));
    expect(late).toEqual({ kind: 'failure', reason: 'timeout', message: 'upstream deadline timeout' });
    expect(Date.now() - started).toBeLessThan(1000);

    for (const res of open) res.destroy();
    expect((await busy).kind).toBe('failure');
  });

  it('a cancelled client makes no call at all', async () => {
    let calls = 0;
    handler = (_req, res) => {
      calls++;
      res.end('{}');
    };
    const gone = new Cancellation();
    gone.cancel();
    expect(await callUpstream(pools, call({ signal: gone }))).toMatchObject({ kind: 'failure', reason: 'aborted' });
    expect(calls).toBe(0);
  });
});
