/**
 * Entry of the request-log worker thread: owns the SQLite connection and serves the main
 * thread's calls in order. A slow or blocked disk stalls this thread, never the gateway's.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { RequestRecord } from './request-record.js';
import { SqliteRequestStore } from './sqlite-store.js';
import { toWorkerError, type WorkerCall, type WorkerReply, type WorkerRequest, type WorkerStoreOptions } from './worker-protocol.js';

function serve(store: SqliteRequestStore, call: WorkerCall): unknown {
  switch (call.op) {
    case 'write':
      return store.insertBatch(JSON.parse(`[${call.recordsJson}]`) as RequestRecord[]);
    case 'addSecrets':
      store.addSecrets(call.secrets);
      return undefined;
    case 'list':
      return store.listRequests(call.filter, call.page);
    case 'get':
      return store.getRequest(call.requestId);
    case 'usage':
      return store.usage(call.query);
    case 'deleteOlderThan':
      return store.deleteOlderThan(call.cutoffMs);
    case 'count':
      return store.count();
    case 'close':
      store.close();
      return undefined;
  }
}

function run(port: MessagePort): void {
  const send = (reply: WorkerReply): void => port.postMessage(reply);
  let store: SqliteRequestStore;
  try {
    store = new SqliteRequestStore(workerData as WorkerStoreOptions);
  } catch (error) {
    send({ kind: 'fatal', error: toWorkerError(error) });
    port.close(); // the thread ends once the message is out
    return;
  }
  send({ kind: 'ready', path: store.path });
  port.on('message', (request: WorkerRequest) => {
    try {
      send({ kind: 'result', id: request.id, ok: true, value: serve(store, request) });
    } catch (error) {
      send({ kind: 'result', id: request.id, ok: false, error: toWorkerError(error) });
    }
    if (request.op === 'close') port.close();
  });
}

if (parentPort === null) throw new Error('request-log-worker must run in a worker thread');
run(parentPort);
