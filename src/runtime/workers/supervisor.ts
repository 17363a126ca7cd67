/**
 * The primary of `anyrouter serve --workers N`: forks N workers that share the listening port, hands each
 * the bundle and the health marks in force, relays marks and sticky entries between them and counts budget
 * spend and tpm tokens for them (when there is no Redis), restarts
 * a worker that dies (counted), reloads them all onto one new bundle, adds up their metrics for /metrics,
 * and drains them all on SIGTERM.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { RoutingBundle } from '../../bundle/format.js';
import type { MarkEvent } from '../state/shared-state.js';
import { isMessage, TAG, type FromWorker, type ToWorker } from './worker-messages.js';
import { ClusterCounters } from './cluster-counters.js';

export interface SupervisorOptions {
  workers: number;
  /** Loads (or compiles) the bundle; undefined when the config has errors. */
  load(): Promise<RoutingBundle | undefined>;
  /** Called with a reload function, to wire SIGHUP and --watch to it. */
  onReloadable?(reload: (why: string) => void): () => void;
  log(line: string): void;
}

/** Why this bundle cannot run on more than one worker, if it cannot. */
export function workersRefusal(bundle: RoutingBundle, workers: number): string | undefined {
  if (workers <= 1 || bundle.state?.redis) return undefined;
  // tpm and budgets are counted by the primary; rpm is counted per request, before the answer, only in Redis
  const limited = bundle.auth.gatewayKeys.filter((k) => k.rpm !== undefined).map((k) => k.name);
  if (limited.length === 0) return undefined;
  return `gateway keys ${limited.map((n) => `'${n}'`).join(', ')} have an rpm limit, which would hold per worker (${workers}x the limit) without shared state: set state.redis (e.g. state: { redis: { url: env('REDIS_URL') } }) or serve with --workers 1`;
}

export async function superviseWorkers(options: SupervisorOptions): Promise<number> {
  let bundle = await options.load();
  if (!bundle) return 1;
  const refusal = workersRefusal(bundle, options.workers);
  if (refusal) {
    options.log(`anyrouter: cannot serve on ${options.workers} workers: ${refusal}`);
    return 1;
  }
  const workers = new Set<Worker>();
  /** The latest mark per upstream or key, for the workers that start later. */
  const marks = new Map<string, MarkEvent>();
  /** Budget spend and tpm tokens, added up over the workers. */
  const counters = new ClusterCounters();
  let restarts = 0;
  let announced = false;
  let shuttingDown = false;
  let reloadSeq = 0;
  const reloadAcks = new Map<number, { pending: Set<Worker>; done: () => void }>();
  let collectSeq = 0;
  const collections = new Map<number, { pending: Set<Worker>; json: unknown[][]; done: () => void }>();

  const send = (worker: Worker, message: ToWorker) => {
    if (worker.isConnected()) worker.send(message);
  };
  const marksInForce = () => {
    const now = Date.now();
    for (const [k, m] of marks) if (m.until <= now) marks.delete(k);
    return [...marks.values()];
  };

  /** Adds up every worker's metrics, then the supervisor's own. */
  const collect = async (): Promise<{ contentType: string; body: string }> => {
    const id = collectSeq++;
    const json: unknown[][] = [];
    await new Promise<void>((resolve) => {
      const pending = new Set(workers);
      collections.set(id, { pending, json, done: resolve });
      for (const w of workers) send(w, { [TAG]: 'metrics-collect', id });
      setTimeout(resolve, 2_000).unref();
      if (pending.size === 0) resolve();
    });
    collections.delete(id);
    const registry = AggregatorRegistry.aggregate(json as Parameters<typeof AggregatorRegistry.aggregate>[0]);
    const own = [
      '# HELP anyrouter_workers Workers of this serve answering right now.',
      '# TYPE anyrouter_workers gauge',
      `anyrouter_workers ${workers.size}`,
      '# HELP anyrouter_worker_restarts_total Workers that died and were replaced, since start.',
      '# TYPE anyrouter_worker_restarts_total counter',
      `anyrouter_worker_restarts_total ${restarts}`,
    ].join('\n');
    return { contentType: registry.contentType, body: `${await registry.metrics()}\n${own}\n` };
  };

  /** Set while waiting for the workers: a worker that cannot listen fails the serve. */
  let listenFailed: ((error: Error) => void) | undefined;

  const onMessage = (worker: Worker, message: unknown) => {
    if (!isMessage<FromWorker>(message)) return;
    switch (message[TAG]) {
      case 'ready':
        // a worker that was not listening yet when the shutdown went out never got it
        if (shuttingDown) send(worker, { [TAG]: 'shutdown' });
        else send(worker, { [TAG]: 'start', bundle: bundle!, marks: marksInForce(), totals: counters.inForce() });
        return;
      case 'listen-failed':
        if (!announced) listenFailed?.(Object.assign(new Error(message.message), { code: message.code, address: message.address, port: message.port }));
        return;
      case 'listening':
        if (!announced) {
          announced = true;
          options.log(`anyrouter: serving ${bundle!.models.length} models at ${message.url}/v1 on ${options.workers} workers (bundle ${bundle!.hash.slice(0, 19)})`);
        }
        return;
      case 'mark':
        marks.set(`${message.event.kind}:${message.event.id}`, message.event);
        for (const w of workers) if (w !== worker) send(w, { [TAG]: 'mark', event: message.event });
        return;
      case 'stats':
        for (const w of workers) if (w !== worker) send(w, { [TAG]: 'stats', batch: message.batch });
        return;
      case 'count':
        send(worker, { [TAG]: 'counted', id: message.id, total: counters.add(message.kind, message.key, message.period, message.amount) });
        return;
      case 'totals':
        for (const w of workers) if (w !== worker) send(w, { [TAG]: 'totals', batch: message.batch });
        return;
      case 'notice':
        for (const w of workers) if (w !== worker) send(w, { [TAG]: 'notice', notice: message.notice });
        return;
      case 'sticky':
        for (const w of workers) if (w !== worker) send(w, { [TAG]: 'sticky', event: message.event });
        return;
      case 'reloaded': {
        const ack = reloadAcks.get(message.seq);
        ack?.pending.delete(worker);
        if (ack && ack.pending.size === 0) ack.done();
        return;
      }
      case 'metrics-request':
        void collect().then((answer) => send(worker, { [TAG]: 'metrics-answer', id: message.id, ...answer }));
        return;
      case 'metrics': {
        const c = collections.get(message.id);
        if (!c) return;
        c.json.push(message.json);
        c.pending.delete(worker);
        if (c.pending.size === 0) c.done();
        return;
      }
    }
  };

  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.on('message', (message: unknown) => onMessage(worker, message));
  };

  let allGone: (() => void) | undefined;
  cluster.on('exit', (worker, code, signal) => {
    workers.delete(worker);
    for (const ack of reloadAcks.values()) if (ack.pending.delete(worker) && ack.pending.size === 0) ack.done();
    for (const c of collections.values()) if (c.pending.delete(worker) && c.pending.size === 0) c.done();
    if (shuttingDown) {
      if (workers.size === 0) allGone?.();
      return;
    }
    restarts++;
    options.log(`anyrouter: worker ${worker.process.pid} died (${signal ?? `exit ${code}`}); starting another (${restarts} restarts so far)`);
    fork();
  });
  for (let i = 0; i < options.workers; i++) fork();

  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      try {
        const next = await options.load();
        if (!next) {
          options.log(`anyrouter: ${why}: the new config has errors; every worker still serves bundle ${bundle!.hash.slice(0, 19)}`);
          return;
        }
        if (next.hash === bundle!.hash) return;
        const refused = workersRefusal(next, options.workers);
        if (refused) {
          options.log(`anyrouter: ${why}: not reloading: ${refused}`);
          return;
        }
        bundle = next;
        const seq = reloadSeq++;
        await new Promise<void>((resolve) => {
          const pending = new Set(workers);
          reloadAcks.set(seq, { pending, done: resolve });
          for (const w of workers) send(w, { [TAG]: 'reload', bundle: next, seq });
          if (pending.size === 0) resolve();
        });
        reloadAcks.delete(seq);
        options.log(`anyrouter: ${why}: every worker now serves bundle ${next.hash.slice(0, 19)} (${next.models.length} models)`);
      } catch (error) {
        options.log(`anyrouter: ${why}: reload failed (${(error as Error).message}); still serving the old bundle`);
      }
    });
  };
  const unwire = options.onReloadable?.(reload) ?? (() => undefined);

  let failure: Error | undefined;
  await new Promise<void>((resolve) => {
    const stop = (signal: string | undefined) => {
      if (shuttingDown) return;
      shuttingDown = true;
      unwire();
      if (signal !== undefined) options.log(`anyrouter: ${signal}: draining every worker`);
      allGone = resolve;
      if (workers.size === 0) resolve();
      for (const w of workers) send(w, { [TAG]: 'shutdown' });
    };
    listenFailed = (error) => {
      failure ??= error;
      stop(undefined);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  if (failure) throw failure;
  return 0;
}
