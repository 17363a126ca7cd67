/**
 * Entry of the log worker thread: owns the SQLite connection and the access log's writes, and serves
 * the main thread's calls in order. A slow or blocked disk or stdout stalls this thread, never the
 * gateway's.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { LogSink } from './log-sink.js';
import { toWorkerError, type WorkerCall, type WorkerReply, type WorkerRequest, type WorkerSinkOptions } from './worker-protocol.js';

function serve(sink: LogSink, call: WorkerCall): unknown {
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
      sink.close();
      return undefined;
  }
}

function run(port: MessagePort): void {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  let sink: LogSink;
  try {
    sink = new LogSink(workerData as WorkerSinkOptions);
  } catch (error) {
    send({ kind: 'fatal', error: toWorkerError(error) });
    port.close(); // the thread ends once the message is out
    return;
  }
  send({ kind: 'ready', path: sink.path });
  port.on('message', (request: WorkerRequest) => {
    try {
      send({ kind: 'result', id: request.id, ok: true, value: serve(sink, request) });
    } catch (error) {
      send({ kind: 'result', id: request.id, ok: false, error: toWorkerError(error) });
    }
    if (request.op === 'close') port.close();
  });
}

if (parentPort === null) throw new Error('request-log-worker must run in a worker thread');
run(parentPort);
