/** Starting and stopping the gateway's HTTP server. */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { RoutingBundle } from '../bundle/format.js';
import { createRequestListener } from './app.js';
import { createGatewayState, reloadGatewayState, type GatewayState } from './gateway-state.js';
import { SERVED_PROVIDER_TYPES, keyValuesOf, resolveHeaders, type Env } from './routing-table.js';
import type { AccessLogTarget } from './observability/access-log.js';
import { startObservability } from './observability/observability.js';
import { syncHealth } from './state/health-sync.js';
import { syncStats } from './state/stats-sync.js';
import { SharedCounters } from './state/counter-sync.js';
import { syncSticky } from './state/sticky-sync.js';
import { RedisResponseCache } from './cache/redis-response-cache.js';
import { cacheBoundsOf } from './cache/response-cache.js';
import { RpmLeases } from './state/rpm-leases.js';
import { BudgetLedger, type SpendSource } from './governance/budget-ledger.js';
import { RuntimeKeys } from './governance/runtime-keys.js';
import type { KeyStore, RuntimeKey } from './governance/key-store.js';
import { mkdirSync } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import type { RequestLog } from './observability/request-log.js';
import { RPM_WINDOW_MS, type SharedState } from './state/shared-state.js';
import { dashboardPath } from './admin/dashboard-assets.js';

export interface GatewayOptions {
  bundle: RoutingBundle;
  host?: string;
  port?: number;
  env?: Env;
  /** Where start-up notes go (default stderr). */
  log?: (line: string) => void;
  /** Where the JSON access log goes: a file descriptor or a file to append to (default 1, stdout). */
  accessLogTo?: AccessLogTarget;
  /** Shared health (and limits) given by a supervisor, e.g. the primary of `serve --workers`; else `state.redis` or none. */
  shared?: SharedState;
}

export interface RunningGateway {
  url: string;
  port: number;
  host: string;
  /** The state new requests use; in-flight requests keep the one they started with. */
  readonly state: GatewayState;
  /** Swaps in a new bundle atomically; health carries over for providers that did not change. */
  reload(bundle: RoutingBundle): void;
  /** Stops accepting, lets in-flight requests finish (up to `graceMs`), then closes everything. */
  close(graceMs?: number): Promise<void>;
}

const LOOPBACK = '127.0.0.1';

/** Spend since a time, per gateway key, app or the whole gateway, from the request log's usage query. */
function spendFromLog(log: RequestLog): SpendSource {
  return {
    async spentSince(scope, from) {
      const rows = await log.reader.usage({ ...(scope.key !== undefined ? { groupBy: 'key' as const } : scope.app !== undefined ? { groupBy: 'app' as const } : {}), from });
      const name = scope.key ?? scope.app;
      return rows.filter((r) => name === undefined || r.group === name).reduce((sum, r) => sum + r.costUsd, 0);
    },
  };
}

/** `state.redis` from the bundle, connected (or trying to: a gateway starts while Redis is down). */
async function startSharedState(bundle: RoutingBundle, env: Env, log: (line: string) => void): Promise<SharedState | undefined> {
  const redis = bundle.state?.redis;
  if (!redis) return undefined;
  const url = typeof redis.url === 'string' ? redis.url : env[redis.url.env];
  if (!url) {
    log(`anyrouter: state.redis.url names $${typeof redis.url === 'string' ? '' : redis.url.env}, which is not set: health and limits stay in this process`);
    return undefined;
  }
  const { RedisState } = await import('./state/redis-state.js');
  const state = new RedisState({ url, prefix: redis.prefix, commandTimeoutMs: redis.commandTimeoutMs, log });
  await state.start();
  return state;
}

function keyValues(state: GatewayState): string[] {
  return keyValuesOf(state.table.providers.values());
}

/** The run-time key store beside the request log, read once and then kept current (undefined without a request log). */
async function startRuntimeKeys(bundle: RoutingBundle, env: Env, getState: () => GatewayState, shared: SharedState | undefined, shareSpend: (state: GatewayState) => void, log: (line: string) => void): Promise<RuntimeKeys | undefined> {
  const { logging } = bundle.observability;
  if (!logging.enabled) return undefined;
  let store: KeyStore;
  const url = postgresLog(bundle, env).postgresUrl;
  try {
    if (url !== undefined) store = await (await import('./governance/postgres-key-store.js')).PostgresKeyStore.open(url);
    else {
      mkdirSync(dirname(resolvePath(logging.path)), { recursive: true });
      store = new (await import('./governance/sqlite-key-store.js')).SqliteKeyStore(logging.path);
    }
  } catch (error) {
    log(`anyrouter: run-time gateway keys are off: their table in the request log database cannot be opened (${(error as Error).name})`);
    return undefined;
  }
  const apply = (keys: readonly RuntimeKey[]) => {
    const state = getState();
    state.auth.setRuntimeKeys(keys);
    const configNames = new Set(state.table.bundle.auth.gatewayKeys.map((k) => k.name));
    if (keys.some((k) => k.budget !== undefined) || state.budgets) {
      state.budgets ??= new BudgetLedger(state.table.bundle, state.clock.now());
      state.budgets.setRuntimeBudgets(keys, configNames, state.clock.now());
      shareSpend(state);
    }
  };
  const keys = new RuntimeKeys(store, apply, shared?.publishNotice ? () => shared.publishNotice!('keys') : undefined);
  shared?.onNotice?.(() => void keys.refresh().catch(() => undefined));
  await keys.refresh();
  // replicas sharing PostgreSQL without Redis learn of a change by rereading; a SQLite file has no replicas
  if (url !== undefined) keys.startRereading();
  return keys;
}

/** `logging.postgres`'s URL from the environment; a missing variable refuses the start (the URL itself is never printed). */
function postgresLog(bundle: RoutingBundle, env: Env): { postgresUrl?: string } {
  const { logging } = bundle.observability;
  if (!logging.enabled || logging.postgres === undefined) return {};
  const url = env[logging.postgres.url.env];
  if (!url) throw new Error(`logging.postgres.url: the environment variable ${logging.postgres.url.env} is not set`);
  return { postgresUrl: url };
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const env = options.env ?? process.env;
  let state = createGatewayState(options.bundle, env);
  let stopStats = () => {};
  let stopCounters = () => {};
  const shared = options.shared ?? (await startSharedState(options.bundle, env, log));
  let spendAdder: SharedCounters['addSpend'] | undefined;
  /** Budgets count in the shared state when there is one: a ledger made later (a reload, a run-time key's budget) too. */
  const shareSpend = (s: GatewayState) => {
    if (s.budgets && spendAdder) s.budgets.shared ??= spendAdder;
  };
  if (shared) {
    state.shared = shared;
    syncHealth(state.health, shared);
    stopStats = syncStats(state.stats, shared);
    syncSticky(state.sticky, shared, () => state.clock.now());
    // with Redis, the response cache is the replicas' one: keys under the prefix, read by opted-in requests only
    if (shared.readAnswer !== undefined && shared.storeAnswer !== undefined) {
      state.responseCache = new RedisResponseCache({ readAnswer: shared.readAnswer.bind(shared), storeAnswer: shared.storeAnswer.bind(shared) }, cacheBoundsOf(options.bundle.cache).maxEntryBytes);
    }
    const redis = options.bundle.state?.redis;
    const counters = new SharedCounters(shared, () => ({
      applySpendTotal: (id, start, usd) => state.budgets?.applySpendTotal(id, start, usd),
      applyTokenTotal: (key, window, tokens) => state.auth.applyTokenTotal(key, window, tokens),
    }));
    stopCounters = counters.start();
    if (shared.addTokens !== undefined) state.auth.sharedTokens = counters.addTokens;
    if (shared.addSpend !== undefined) spendAdder = counters.addSpend;
    if (shared.takeTokens !== undefined) {
      const leases = new RpmLeases({ takeTokens: shared.takeTokens.bind(shared) }, RPM_WINDOW_MS);
      state.auth.sharedLimits = { take: (key, limit, now) => leases.take(key, limit, now), onError: redis?.onError ?? 'open' };
    }
  }
  state.observability = await startObservability({
    config: options.bundle.observability,
    secrets: keyValues(state),
    health: () => state.health,
    now: () => state.clock.now(),
    otlpHeaders: resolveHeaders(options.bundle.observability.telemetry.otlpHeaders, env),
    ...postgresLog(options.bundle, env),
    log,
    ...(options.accessLogTo !== undefined ? { accessLogTo: options.accessLogTo } : {}),
  });
  // gateway keys created at run time live in the request log's database
  state.runtimeKeys = await startRuntimeKeys(options.bundle, env, () => state, shared, shareSpend, log);
  // budgets start from what the request log says was spent in their current period
  const requestLog = state.observability?.log;
  if (state.budgets && requestLog) await state.budgets.load(spendFromLog(requestLog), state.clock.now()).catch((error: unknown) => log(`anyrouter: could not read this period's spend from the request log (${(error as Error).message}); budgets start at $0`));
  shareSpend(state);
  state.observability?.metrics.responseCache(() => state.responseCache);
  // with --workers, the fewest any worker holds: each holds the others' entries too, once relayed
  state.observability?.metrics.gauge('anyrouter_sticky_routes', 'Prompt-cache sticky entries (conversation prefix to upstream) held; with --workers, the fewest any worker holds.', () => state.sticky.size, 'min');
  if (shared) state.observability?.metrics.gauge('anyrouter_state_backend_up', `Whether the shared state backend (${shared.name}) answers: 1 up, 0 down (serving on local state).`, () => (shared.up ? 1 : 0), 'min');
  let host = options.host ?? options.bundle.server.host ?? LOOPBACK;
  if (!state.auth.enabled && host !== LOOPBACK && host !== 'localhost' && host !== '::1') {
    log(`anyrouter: no gateway keys are configured, so the gateway binds to ${LOOPBACK} only (not ${host}); add auth.gatewayKeys (anyrouter keys new NAME) to serve other hosts`);
    host = LOOPBACK;
  } else if (!state.auth.enabled) {
    log(`anyrouter: no gateway keys are configured: listening on loopback only, without authentication`);
  }

  const mountDashboard = (s: GatewayState) => {
    const mount = dashboardPath(s.table.bundle, host);
    if (mount === undefined) delete s.dashboardPath;
    else s.dashboardPath = mount;
  };
  mountDashboard(state);

  const port = options.port ?? options.bundle.server.port;
  const server = await new Promise<Server>((resolve, reject) => {
    const s = createServer(createRequestListener(() => state));
    s.once('error', reject);
    s.listen(port, host, () => resolve(s));
  });
  server.keepAliveTimeout = 65_000;
  const address = server.address() as AddressInfo;
  const missing = [...state.table.providers.values()].filter((p) => !p.pool.keys.some((k) => k.present)).map((p) => p.id);
  const unserved = [...state.table.providers.values()].filter((p) => !SERVED_PROVIDER_TYPES.has(p.spec.type)).map((p) => `${p.id} (${p.spec.type})`);
  if (unserved.length > 0) log(`anyrouter: no adapter yet for these providers; their models fall back to other upstreams: ${unserved.join(', ')}`);
  if (missing.length > 0) log(`anyrouter: providers with no key in the environment (their upstreams are skipped): ${missing.join(', ')}`);

  let closing: Promise<void> | undefined;
  return {
    url: `http://${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`,
    port: address.port,
    host: address.address,
    get state() {
      return state;
    },
    reload(bundle) {
      state = reloadGatewayState(state, bundle, env);
      shareSpend(state);
      mountDashboard(state);
      // a provider or key the new bundle adds reads a value the request log has not been told to scrub
      state.observability?.addSecrets(keyValues(state)).catch(() => undefined);
    },
    close(graceMs = 30_000) {
      closing ??= new Promise<void>((resolve) => {
        // the dashboard's live tails end now, rather than hold the drain until the grace period
        state.shutdown.abort();
        const force = setTimeout(() => server.closeAllConnections(), graceMs);
        // a keep-alive connection whose in-flight response ends while draining would otherwise stay open
        // (and hold close() up) until the grace period: close connections as they become idle
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        force.unref();
        sweep.unref();
        server.close(() => {
          clearTimeout(force);
          clearInterval(sweep);
          stopStats();
          stopCounters();
          void state.runtimeKeys?.close();
          Promise.allSettled([state.pools.close(), state.observability?.close(), shared && !options.shared ? shared.close() : undefined]).then(() => resolve());
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
