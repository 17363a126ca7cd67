/**
 * A lean OpenAI-format upstream for the gateway bench, run in its own process (bench/gateway.ts forks it)
 * so it never competes with the server under test for an event loop. Every answer is prebuilt.
 *
 *   POST /d<ms>/v1/chat/completions   think <ms> before answering (e.g. /d0/v1, /d20/v1)
 *     "stream":true in the body  -> 200 text/event-stream: 20 chat.completion.chunk events, then [DONE]
 *     otherwise                  -> 200 application/json chat.completion
 *     Authorization: Bearer bench-429 -> 429 with `retry-after: 0` (the failover case)
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { announceReady, serveParent } from './child-ipc.js';
import { RATE_LIMITED_KEY, STREAM_CHUNKS } from './mock-wire.js';

const CREATED = 1_700_000_000;

const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench0000000000000000000000',
    object: 'chat.completion',
    created: CREATED,
    model: 'bench-model',
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello! This is a short answer from the bench upstream, about twenty tokens long.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 42, completion_tokens: 20, total_tokens: 62 },
  }),
);

const words = 'Hello ! This is a streamed answer from the bench upstream , twenty chunks of about one token each .'.split(' ');
const streamEvents: Buffer[] = Array.from({ length: STREAM_CHUNKS }, (_, i) => {
  const last = i === STREAM_CHUNKS - 1;
  const chunk = {
    id: 'chatcmpl-bench0000000000000000000000',
    object: 'chat.completion.chunk',
    created: CREATED,
    model: 'bench-model',
    system_fingerprint: 'fp_bench',
    choices: [{ index: 0, delta: i === 0 ? { role: 'assistant', content: words[0] } : { content: ` ${words[i % words.length]}` }, logprobs: null, finish_reason: last ? 'stop' : null }],
    ...(last ? { usage: { prompt_tokens: 42, completion_tokens: STREAM_CHUNKS, total_tokens: 42 + STREAM_CHUNKS } } : {}),
  };
  return Buffer.from(`data: ${JSON.stringify(chunk)}\n\n`);
});
const done = Buffer.from('data: [DONE]\n\n');

const rateLimited = Buffer.from(JSON.stringify({ error: { message: 'Rate limit reached for requests (bench)', type: 'requests', param: null, code: 'rate_limit_exceeded' } }));

const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(completion.length) };
const LIMITED_HEADERS = { 'content-type': 'application/json', 'content-length': String(rateLimited.length), 'retry-after': '0' };
const SSE_HEADERS = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const STREAM_MARK = Buffer.from('"stream":true');

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'application/json' });
  res.end('{"error":{"message":"bench mock: unknown path","type":"invalid_request_error"}}');
}

/** `/d20/v1/chat/completions` -> 20; anything else -> undefined. */
function thinkTimeOf(url: string): number | undefined {
  if (!url.startsWith('/d') || !url.endsWith('/v1/chat/completions')) return undefined;
  const ms = Number(url.slice(2, url.indexOf('/', 2)));
  return Number.isInteger(ms) && ms >= 0 ? ms : undefined;
}

function answer(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  if (req.headers.authorization === `Bearer ${RATE_LIMITED_KEY}`) {
    res.writeHead(429, LIMITED_HEADERS);
    res.end(rateLimited);
    return;
  }
  if (body.includes(STREAM_MARK)) {
    res.writeHead(200, SSE_HEADERS);
    for (const event of streamEvents) res.write(event);
    res.end(done);
    return;
  }
  res.writeHead(200, JSON_HEADERS);
  res.end(completion);
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const think = req.method === 'POST' ? thinkTimeOf(req.url ?? '') : undefined;
  if (think === undefined) {
    req.resume();
    notFound(res);
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    if (think === 0) answer(req, res, body);
    else setTimeout(answer, think, req, res, body);
  });
}

const server = createServer(handle);
server.keepAliveTimeout = 120_000;
server.listen(0, '127.0.0.1', () => {
  serveParent();
  announceReady((server.address() as AddressInfo).port);
});
