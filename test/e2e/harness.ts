/**
 * End-to-end harness: writes a config into a fresh temp dir, compiles it with the real compiler, starts
 * the real gateway on 127.0.0.1 (port 0) and hands out official `openai` SDK clients pointed at it.
 *
 *   const e2e = useE2E();                      // registers an afterEach that closes everything
 *   const primary = await e2e.mock();
 *   const gw = await e2e.gateway({ providers: { primary: provider(primary) }, models: [chatModel(['primary'])] });
 *   const { data, response } = await gw.client().chat.completions.create({ ... }).withResponse();
 *
 * Every server the harness started (mock upstreams and gateways) is closed after each test, and every
 * temp dir removed, so nothing keeps the worker alive.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { afterEach } from 'vitest';
import { freePort } from '../support/free-port.js';
import type { AnyRouterConfig, ModelInput, ProviderInput } from '../../src/index.js';
import { compile } from '../../src/compiler/compile.js';
import { startGateway, type RunningGateway } from '../../src/runtime/server.js';
import { startMockOpenAI, type MockOpenAIOptions, type MockUpstream } from '../support/mock-openai-upstream.js';

/** The model id every e2e test asks for, and its alias. */
export const MODEL = 'test/chat';
export const ALIAS = 'chat';

/** Provider key values, as they would sit in the environment. They must never reach a client. */
export const SECRETS = {
  primary: 'sk-test-SECRET123-primary-0123456789abcdef',
  secondary: 'sk-test-SECRET123-secondary-0123456789abcdef',
  third: 'sk-test-SECRET123-third-0123456789abcdef',
} as const;

export const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Say hello' }];

/** The environment variable that holds key `keyName` of provider `providerId`. */
export function envName(providerId: string, keyName: string): string {
  return `E2E_${providerId}_${keyName}`.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
}

export interface ProviderOptions extends Partial<Omit<ProviderInput, 'keys' | 'baseUrl' | 'type'>> {
  /** Key names; each reads `envName(providerId, name)`. Default `['main']`. */
  keys?: string[];
}

/** An OpenAI-compatible provider pointing at a mock upstream (or any base URL). */
export function provider(id: string, target: MockUpstream | string, options: ProviderOptions = {}): ProviderInput {
  const { keys = ['main'], ...rest } = options;
  return {
    type: 'openai',
    baseUrl: typeof target === 'string' ? target : target.url,
    keys: keys.map((name) => ({ name, value: { env: envName(id, name) } })),
    ...rest,
  };
}

/** `test/chat` (alias `chat`) served by `providers` in rank order; upstream model names are `<provider>-model`. */
export function chatModel(providers: string[], id = MODEL, aliases: string[] = [ALIAS]): ModelInput {
  return {
    id,
    aliases,
    context: 128_000,
    capabilities: ['tools'],
    pricing: { prompt: 1, completion: 2 },
    upstreams: providers.map((p, i) => ({ provider: p, model: `${p}-model`, priority: i + 1 })),
  };
}

export interface GatewayFixture {
  gateway: RunningGateway;
  /** `http://127.0.0.1:PORT` (no `/v1`). */
  url: string;
  /** The environment the gateway read its provider keys (and a PostgreSQL log's URL) from. */
  env: Record<string, string>;
  /** The compiled config file (for CLI commands taking `--config`). */
  configPath: string;
  /** An SDK client for `/v1` (or `/api/v1`), without retries, with a short timeout. */
  client(options?: { apiKey?: string; base?: '/v1' | '/api/v1'; timeoutMs?: number }): OpenAI;
  /** A raw `fetch` POST of a chat completion (for malformed bodies and raw SSE). */
  postChat(body: unknown, init?: { headers?: Record<string, string>; signal?: AbortSignal; raw?: string }): Promise<Response>;
}

export interface GatewayConfig extends Omit<AnyRouterConfig, 'providers' | 'models'> {
  providers: Record<string, ProviderInput>;
  models: ModelInput[];
}

/** Routing defaults for tests: short timeouts and cooldowns. */
const TEST_ROUTING = { cooldownMs: 5_000, keyQuarantineMs: 60_000, maxAttempts: 6, requestTimeoutMs: 5_000, firstByteTimeoutMs: 2_000, idleTimeoutMs: 2_000, connectTimeoutMs: 1_000 };

/** The variable the harness puts a PostgreSQL request log's URL in (`logging.postgres.url`). */
export const DATABASE_URL_ENV = 'E2E_DATABASE_URL';

export interface GatewayStartOptions {
  /** The request log in PostgreSQL at this URL: `logging.postgres.url` reads it from DATABASE_URL_ENV. */
  postgresLog?: string;
}

export interface E2E {
  /** Starts a mock OpenAI upstream, closed after the test. */
  mock(options?: MockOpenAIOptions): Promise<MockUpstream>;
  /**
   * Compiles `config` in a fresh temp dir and starts the gateway. Provider keys are filled into the
   * environment as `SECRETS.<provider>` (suffixed by key name when a provider has several keys).
   */
  gateway(config: GatewayConfig, env?: Record<string, string>, options?: GatewayStartOptions): Promise<GatewayFixture>;
  /** The secret value `gateway()` put into the environment for a provider's key. */
  secretOf(providerId: string, keyName?: string): string;
  /** A TCP port on 127.0.0.1 that nothing listens on. */
  closedPort(): Promise<number>;
  /** Two mock upstreams, `primary` then `secondary`, serving `test/chat` (alias `chat`) through one gateway. */
  twoUpstreams(routing?: GatewayConfig['routing']): Promise<{ primary: MockUpstream; secondary: MockUpstream; gw: GatewayFixture }>;
}

export function secretOf(providerId: string, keyName = 'main'): string {
  const base = (SECRETS as Record<string, string>)[providerId] ?? `sk-test-SECRET123-${providerId}-0123456789abcdef`;
  return keyName === 'main' ? base : `${base}-${keyName}`;
}

export function useE2E(): E2E {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    const pending = closers.splice(0).reverse();
    for (const close of pending) await close().catch(() => undefined);
  });

  const e2e: E2E = {
    async mock(options) {
      const mock = await startMockOpenAI(options);
      closers.push(() => mock.close());
      return mock;
    },
    async gateway(config, extraEnv = {}, options = {}) {
      const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-e2e-'));
      closers.push(() => rm(dir, { recursive: true, force: true }));
      const full: AnyRouterConfig = {
        presets: [],
        ...config,
        routing: { ...TEST_ROUTING, ...config.routing },
        server: { port: 0, ...config.server },
        // no request log (a worker thread each) unless a test asks for one, then in its temp dir; no access log lines
        logging: {
          enabled: false,
          path: path.join(dir, 'anyrouter.db'),
          accessLog: false,
          ...(options.postgresLog !== undefined ? { enabled: true, postgres: { url: { env: DATABASE_URL_ENV } } } : {}),
          ...config.logging,
        },
      };
      const configPath = path.join(dir, 'anyrouter.config.ts');
      await writeFile(configPath, `export default ${JSON.stringify(full, null, 2)};\n`);
      const { diagnostics, bundle } = await compile(configPath);
      if (!bundle) throw new Error(`e2e config did not compile:\n${diagnostics.map((d) => `${d.line}:${d.column} ${d.code} ${d.message}`).join('\n')}`);

      const env: Record<string, string> = {};
      for (const [id, p] of Object.entries(config.providers)) {
        for (const key of p.keys ?? []) env[key.value.env] = secretOf(id, key.name);
      }
      if (options.postgresLog !== undefined) env[DATABASE_URL_ENV] = options.postgresLog;
      Object.assign(env, extraEnv);
      const gateway = await startGateway({ bundle, port: 0, env, log: () => undefined });
      closers.push(() => gateway.close(200));
      const url = gateway.url;
      return {
        gateway,
        url,
        env,
        configPath,
        client: ({ apiKey = 'unused-gateway-key', base = '/v1', timeoutMs = 5_000 } = {}) =>
          new OpenAI({ baseURL: url + base, apiKey, maxRetries: 0, timeout: timeoutMs }),
        postChat: (body, init = {}) =>
          fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...init.headers },
            body: init.raw ?? JSON.stringify(body),
            ...(init.signal ? { signal: init.signal } : {}),
          }),
      };
    },
    secretOf,
    closedPort,
    async twoUpstreams(routing) {
      const primary = await e2e.mock();
      const secondary = await e2e.mock();
      const gw = await e2e.gateway({
        providers: { primary: provider('primary', primary), secondary: provider('secondary', secondary) },
        models: [chatModel(['primary', 'secondary'])],
        ...(routing ? { routing } : {}),
      });
      return { primary, secondary, gw };
    },
  };
  return e2e;
}

/** A port with nothing listening (for connect errors). */
export const closedPort = freePort;

/** Parses an SSE body into its `data:` payloads, in order. */
export function sseData(text: string): string[] {
  return text
    .split(/\r?\n\r?\n/)
    .map((event) =>
      event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n'),
    )
    .filter((data) => data !== '');
}

/** Counts of recorded requests per API key. */
export function countByKey(mock: MockUpstream): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of mock.requests) counts[r.apiKey ?? '(none)'] = (counts[r.apiKey ?? '(none)'] ?? 0) + 1;
  return counts;
}

/** The gateway's OpenAI error envelope. */
export interface GatewayErrorBody {
  error: { message: string; type: string; code: string; param: null; request_id: string };
}

/** A request's record in the admin API, polled for: the log is written after the answer, off the request path. */
export async function waitForRecord(gw: { url: string }, id: string): Promise<Record<string, unknown>> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${gw.url}/api/requests/${id}`);
    if (res.status === 200) return (await res.json()) as Record<string, unknown>;
    await sleep(30);
  }
  throw new Error(`request ${id} never reached the log`);
}
