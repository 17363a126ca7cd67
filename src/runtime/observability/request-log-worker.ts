/**
 * Entry of the log worker thread: owns the store's connection (SQLite, or PostgreSQL's pool) and the
 * access log's writes, and starts the main thread's calls in order. SQLite's answer synchronously;
 * PostgreSQL's resolve later, each answered when it is done (the record queue keeps one batch in flight
 * and gathers the next meanwhile). A slow or blocked disk, database or stdout stalls this thread, never
 * the gateway's.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LogSink } from './log-sink.js';
import { toWorkerError, type WorkerCall, type WorkerReply, type WorkerRequest, type WorkerSinkOptions } from './worker-protocol.js';

function serve(sink: LogSink, call: WorkerCall): unknown {
  // each case starts its work now, in the order of the calls; a promise answers when it settles
  switch (call.op) {
    case 'write':
      return sink.write(call.bytes);
    case 'addSecrets':
      sink.store?.addSecrets(call.secrets);
      return undefined;
    case 'list':
      return sink.queries().listRequests(call.filter, call.page);
    case 'get':
      return sink.queries().getRequest(call.requestId);
    case 'usage':
      return sink.queries().usage(call.query);
    case 'deleteOlderThan':
      return sink.queries().deleteOlderThan(call.cutoffMs);
    case 'count':
      return sink.queries().count();
    case 'close':
      return sink.close();
  }
}

async function run(port: MessagePort): Promise<void> {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  let sink: LogSink;
  try {
    sink = await LogSink.open(workerData as WorkerSinkOptions);
  } catch (error) {
    send({ kind: 'fatal', error: toWorkerError(error) });
    port.close(); // the thread ends once the message is out
    return;
  }
  send({ kind: 'ready', path: sink.path });
  port.on('message', (request: WorkerRequest) => {
    const ok = (value: unknown) => send({ kind: 'result', id: request.id, ok: true, value });
    const failed = (error: unknown) => send({ kind: 'result', id: request.id, ok: false, error: toWorkerError(error) });
    const done = () => {
      if (request.op === 'close') port.close();
    };
    let value: unknown;
    try {
      value = serve(sink, request);
    } catch (error) {
      failed(error);
      done();
      return;
    }
    if (!(value instanceof Promise)) {
      ok(value);
      done();
      return;
    }
    value.then(ok, failed).finally(done);
  });
}

if (parentPort === null) throw new Error('request-log-worker must run in a worker thread');
void run(parentPort);
