import cluster from 'node:cluster';
import { watch, type FSWatcher } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { RoutingBundle } from '../../bundle/format.js';
import { readBundle } from '../../runtime/bundle-file.js';
import { startGateway } from '../../runtime/server.js';
import { portInUseMessage } from '../port-in-use.js';
import { UsageError } from '../usage.js';
import { DEFAULT_BUNDLE } from './build.js';
import { DEFAULT_CONFIG } from './check.js';

type Values = Record<string, string | boolean | undefined>;

/** Where bundles come from: a config compiled in memory, or a bundle file. Undefined when the config has errors. */
interface BundleSource {
  load(): Promise<RoutingBundle | undefined>;
  /** Paths whose changes mean a new bundle. */
  watched(): Promise<string[]>;
}

function bundleSource(values: Values): BundleSource {
  if (typeof values.bundle === 'string' && typeof values.config === 'string') throw new UsageError('give --bundle or --config, not both');
  if (typeof values.bundle === 'string' || (values.config === undefined && !values.watch)) {
    const file = typeof values.bundle === 'string' ? values.bundle : DEFAULT_BUNDLE;
    return { load: () => readBundle(file), watched: async () => [file] };
  }
  const configPath = typeof values.config === 'string' ? values.config : DEFAULT_CONFIG;
  return {
    async load() {
      // compiling in memory loads the compiler; serving a bundle does not
      const { loadBundleInput } = await import('../bundle-input.js');
      return loadBundleInput({ config: configPath }, { warnings: true });
    },
    async watched() {
      const dir = path.dirname(path.resolve(configPath));
      return [path.resolve(configPath), path.join(dir, 'models'), path.join(dir, 'presets')];
    },
  };
}

/** Watches paths (folders recursively) and calls `changed` once per burst of events. */
function watchPaths(paths: string[], changed: () => void): FSWatcher[] {
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(changed, 150);
  };
  const watchers: FSWatcher[] = [];
  for (const p of paths) {
    try {
      watchers.push(watch(p, { recursive: true, persistent: false }, fire));
    } catch {
      // a folder that does not exist (no presets/) has nothing to watch
    }
  }
  return watchers;
}

/** `--workers N|auto`: how many worker processes (auto: one per available core); 1 serves in this process. */
function workerCount(value: string | boolean | undefined): number {
  if (value === undefined) return 1;
  if (value === 'auto') return availableParallelism();
  const n = Number(value);
  if (typeof value !== 'string' || !Number.isInteger(n) || n < 1 || n > 256) throw new UsageError(`--workers takes a number from 1 to 256 or 'auto', not '${String(value)}'`);
  return n;
}

/** SIGHUP, and --watch when asked, call `reload`; returns the unwiring. */
async function wireReloads(values: Values, source: BundleSource, reload: (why: string) => void): Promise<() => void> {
  const onHup = () => reload('SIGHUP');
  process.on('SIGHUP', onHup);
  const watchers = values.watch ? watchPaths(await source.watched(), () => reload('change')) : [];
  if (values.watch) process.stderr.write('anyrouter: watching the config for changes\n');
  return () => {
    for (const w of watchers) w.close();
    process.off('SIGHUP', onHup);
  };
}

/** Serves in this process, or on `workers` worker processes; rejects with the listen error when the port cannot be bound. */
async function serve(values: Values, source: BundleSource, workers: number, listen: { host?: string; port?: number }): Promise<number> {
  const { host, port } = listen;
  if (workers > 1) {
    const { superviseWorkers } = await import('../../runtime/workers/supervisor.js');
    let unwire: (() => void) | undefined;
    return superviseWorkers({
      workers,
      load: () => source.load(),
      onReloadable: (reload) => {
        void wireReloads(values, source, reload).then((u) => (unwire = u));
        return () => unwire?.();
      },
      log: (line) => process.stderr.write(line + '\n'),
    });
  }
  const bundle = await source.load();
  if (!bundle) return 1;
  const gateway = await startGateway({ bundle, ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) });
  process.stderr.write(`anyrouter: serving ${bundle.models.length} models at ${gateway.url}/v1 (bundle ${bundle.hash.slice(0, 19)})\n`);

  // SIGHUP and --watch: rebuild and swap atomically; a broken config keeps the old bundle serving
  let reloading = Promise.resolve();
  const reload = (why: string) => {
    reloading = reloading.then(async () => {
      try {
        const next = await source.load();
        if (!next) {
          process.stderr.write(`anyrouter: ${why}: the new config has errors; still serving bundle ${gateway.state.table.bundle.hash.slice(0, 19)}\n`);
          return;
        }
        if (next.hash === gateway.state.table.bundle.hash) return;
        gateway.reload(next);
        process.stderr.write(`anyrouter: ${why}: now serving bundle ${next.hash.slice(0, 19)} (${next.models.length} models)\n`);
      } catch (error) {
        process.stderr.write(`anyrouter: ${why}: reload failed (${(error as Error).message}); still serving the old bundle\n`);
      }
    });
  };
  const unwire = await wireReloads(values, source, reload);

  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stderr.write(`anyrouter: ${signal}: draining in-flight requests\n`);
      unwire();
      gateway.close().then(resolve, resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

export const serveCommand = {
  options: {
    bundle: { type: 'string', short: 'b' },
    config: { type: 'string', short: 'c' },
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    watch: { type: 'boolean', short: 'w' },
    workers: { type: 'string' },
  },
  async run(values: Values): Promise<number> {
    let port: number | undefined;
    if (typeof values.port === 'string') {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a number from 0 to 65535, not '${values.port}'`);
    }
    const host = typeof values.host === 'string' ? values.host : undefined;
    if (cluster.isWorker) {
      // a worker of `--workers`: the primary loads the bundle and watches the config
      const { runWorker } = await import('../../runtime/workers/serve-worker.js');
      return runWorker({ ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) });
    }
    const workers = workerCount(values.workers);
    const source = bundleSource(values);
    try {
      return await serve(values, source, workers, { ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) });
    } catch (error) {
      const inUse = portInUseMessage(error);
      if (inUse === undefined) throw error;
      process.stderr.write(`anyrouter serve: ${inUse}\n`);
      return 1;
    }
  },
} as const;
