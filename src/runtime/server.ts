/** Starting and stopping the gateway's HTTP server. */
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { RoutingBundle } from '../bundle/format.js';
import { createRequestListener } from './app.js';
import { createGatewayState, reloadGatewayState, type GatewayState } from './gateway-state.js';
import { SERVED_PROVIDER_TYPES, keyValuesOf, resolveHeaders, type Env } from './routing-table.js';
import type { AccessLogTarget } from './observability/access-log.js';
import { startObservability } from './observability/observability.js';
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

function keyValues(state: GatewayState): string[] {
  return keyValuesOf(state.table.providers.values());
}

export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const log = options.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const env = options.env ?? process.env;
  let state = createGatewayState(options.bundle, env);
  state.observability = await startObservability({
    config: options.bundle.observability,
    secrets: keyValues(state),
    health: () => state.health,
    now: () => state.clock.now(),
    otlpHeaders: resolveHeaders(options.bundle.observability.telemetry.otlpHeaders, env),
    log,
    ...(options.accessLogTo !== undefined ? { accessLogTo: options.accessLogTo } : {}),
  });
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
          Promise.allSettled([state.pools.close(), state.observability?.close()]).then(() => resolve());
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}
