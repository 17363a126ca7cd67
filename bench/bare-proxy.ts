/**
 * The floor for any Node.js proxy: a bare `node:http` pass-through with keep-alive to the upstream, run in
 * its own process by bench/gateway.ts. It reads the body, forwards method, path, body and end-to-end
 * headers, and streams the answer back; no parsing, no routing, no logging.
 *
 *   --upstream http://127.0.0.1:PORT   where to forward
 *   --client undici|http               undici Pool.stream (default) or http.request with an Agent (keepAlive)
 *   --connections N                    upstream connections (default 256, the gateway's default)
 *
 * For the failover floor it knows one trick: a 429 on a request that carries `x-bench-retry-authorization`
 * is discarded and the request is sent once more with that authorization (what a minimal failover costs).
 */
import { Agent as HttpAgent, createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { announceReady, serveParent } from './child-ipc.js';

const { values } = parseArgs({ options: { upstream: { type: 'string' }, client: { type: 'string', default: 'undici' }, connections: { type: 'string', default: '256' } } });
if (!values.upstream) throw new Error('bare-proxy: --upstream is required');
const upstream = new URL(values.upstream);
const connections = Number(values.connections);
const RETRY_HEADER = 'x-bench-retry-authorization';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'host', RETRY_HEADER]);

function forwardHeaders(headers: IncomingHttpHeaders | Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

function fail(res: ServerResponse): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(502, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"bare proxy: upstream failed","type":"upstream_error"}}');
}

const discard = () => new Writable({ write: (_chunk, _encoding, callback) => callback() });

type Forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

function undiciForward(): Forward {
  const pool = new Pool(upstream.origin, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  const send = async (req: IncomingMessage, res: ServerResponse, body: Buffer, headers: Record<string, string | string[]>, signal: AbortSignal, retryAuth: string | undefined): Promise<void> => {
    let retry = false;
    await pool.stream({ method: req.method as 'POST', path: req.url ?? '/', headers, body, signal }, ({ statusCode, headers: answer }) => {
      if (statusCode === 429 && retryAuth !== undefined) {
        retry = true;
        return discard();
      }
      res.writeHead(statusCode, forwardHeaders(answer));
      return res;
    });
    if (retry) await send(req, res, body, { ...headers, authorization: retryAuth! }, signal, undefined);
  };
  return (req, res, body) => {
    const abort = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    const retryAuth = req.headers[RETRY_HEADER];
    send(req, res, body, forwardHeaders(req.headers), abort.signal, typeof retryAuth === 'string' ? retryAuth : undefined).catch(() => fail(res));
  };
}

function httpForward(): Forward {
  const agent = new HttpAgent({ keepAlive: true, maxSockets: connections, keepAliveMsecs: 30_000 });
  const send = (req: IncomingMessage, res: ServerResponse, body: Buffer, headers: OutgoingHttpHeaders, retryAuth: string | undefined): void => {
    const out = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers, agent }, (answer) => {
      if (answer.statusCode === 429 && retryAuth !== undefined) {
        answer.resume();
        answer.on('end', () => send(req, res, body, { ...headers, authorization: retryAuth }, undefined));
        return;
      }
      res.writeHead(answer.statusCode ?? 502, forwardHeaders(answer.headers));
      answer.pipe(res);
      res.on('close', () => {
        if (!res.writableFinished) answer.destroy();
      });
    });
    out.on('error', () => fail(res));
    out.end(body);
  };
  return (req, res, body) => {
    const retryAuth = req.headers[RETRY_HEADER];
    send(req, res, body, forwardHeaders(req.headers), typeof retryAuth === 'string' ? retryAuth : undefined);
  };
}

const forward = values.client === 'http' ? httpForward() : undiciForward();

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => forward(req, res, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => {
  serveParent();
  announceReady((server.address() as AddressInfo).port);
});
