/**
 * One worker of `serve --workers`: it gets its bundle (and the marks in force) from the primary, serves on
 * the shared port, and answers the primary's reloads, metric collections and shutdown.
 */
import type { RoutingBundle } from '../../bundle/format.js';
import { startGateway, type RunningGateway } from '../server.js';
import { ClusterState } from './cluster-state.js';
import { isMessage, TAG, type FromWorker, type ToWorker } from './worker-messages.js';

export interface WorkerOptions {
  host?: string;
  port?: number;
}

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

export async function runWorker(options: WorkerOptions): Promise<number> {
  let gateway: RunningGateway | undefined;
  const queued: ToWorker[] = [];
  let started: ((start: Extract<ToWorker, { [TAG]: 'start' }>) => void) | undefined;
  const firstStart = new Promise<Extract<ToWorker, { [TAG]: 'start' }>>((resolve) => (started = resolve));
  /** Metric collections this worker asked the primary for (its own /metrics requests). */
  const asked = new Map<number, (answer: { contentType: string; body: string }) => void>();
  let nextAsk = 0;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (gateway?.close() ?? Promise.resolve()).then(() => process.exit(0)));

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message[TAG]) {
      case 'start':
        started?.(message);
        return;
      case 'reload':
        gateway!.reload(message.bundle);
        send({ [TAG]: 'reloaded', seq: message.seq, hash: message.bundle.hash });
        return;
      case 'metrics-collect': {
        const json = (await gateway!.state.observability?.metrics.json()) ?? [];
        send({ [TAG]: 'metrics', id: message.id, json });
        return;
      }
      case 'metrics-answer':
        asked.get(message.id)?.({ contentType: message.contentType, body: message.body });
        asked.delete(message.id);
        return;
      case 'shutdown':
        await stop();
        return;
      case 'mark':
      case 'stats':
      case 'notice':
        return; // the cluster state reads these
    }
  };
  process.on('message', (message: unknown) => {
    if (!isMessage<ToWorker>(message)) return;
    // a shutdown is never queued: it also stops a worker whose gateway could not start
    if (gateway === undefined && message[TAG] !== 'start' && message[TAG] !== 'shutdown') queued.push(message);
    else void handle(message);
  });
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  // the primary is gone (killed): nothing supervises this worker any more
  process.once('disconnect', () => void stop());
  send({ [TAG]: 'ready' });

  const start = await firstStart;
  const bundle: RoutingBundle = start.bundle;
  // without Redis, marks travel through the primary; with it, each worker talks to Redis itself
  const shared = bundle.state?.redis ? undefined : new ClusterState(start.marks, start.totals);
  try {
    gateway = await startGateway({ bundle, ...(options.host !== undefined ? { host: options.host } : {}), ...(options.port !== undefined ? { port: options.port } : {}), ...(shared ? { shared } : {}) });
  } catch (error) {
    // the primary says it once for every worker and stops them all
    const e = error as NodeJS.ErrnoException & { address?: string; port?: number };
    send({ [TAG]: 'listen-failed', message: e.message, ...(e.code !== undefined ? { code: e.code } : {}), ...(e.address !== undefined ? { address: e.address } : {}), ...(e.port !== undefined ? { port: e.port } : {}) });
    return new Promise<number>(() => undefined); // until the primary's shutdown
  }
  // /metrics speaks for every worker: the primary gathers and adds them up
  gateway.state.metricsOf = () =>
    new Promise((resolve, reject) => {
      const id = nextAsk++;
      const timer = setTimeout(() => {
        asked.delete(id);
        reject(new Error('the primary did not answer the metrics collection'));
      }, 5_000);
      asked.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer);
      });
      send({ [TAG]: 'metrics-request', id });
    });
  send({ [TAG]: 'listening', url: gateway.url });
  for (const message of queued.splice(0)) await handle(message);
  await new Promise<never>(() => undefined);
  return 0;
}
