/**
 * The gateway an agent is launched against: one already running (`--url`), or one started here in this
 * process on a free 127.0.0.1 port from the config or bundle, stopped when the agent exits. While the agent
 * runs, the started gateway's log lines are held back (the agent owns the terminal) and printed after it.
 */
import { access } from 'node:fs/promises';
import type { RoutingBundle } from '../../bundle/format.js';
import type { RunningGateway } from '../../runtime/server.js';
import { UsageError } from '../usage.js';

export interface LaunchGateway {
  /** `http://HOST:PORT`, without `/v1`. */
  url: string;
  /** The started gateway's bundle; undefined for `--url`. */
  bundle?: RoutingBundle;
  /** From now on, hold log lines back until `stop`. */
  quiet(): void;
  /** Stops a gateway started here (nothing for `--url`) and prints the log lines held back. */
  stop(): Promise<void>;
}

type Values = Record<string, string | boolean | undefined>;

const MAX_HELD_LINES = 200;

/** `http://host:port` from what a user may type: a trailing slash or `/v1` is dropped. */
export function gatewayOrigin(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url takes the gateway's URL (http://127.0.0.1:8787), not '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError(`--url takes an http(s) URL, not '${url}'`);
  return (parsed.origin + parsed.pathname.replace(/\/+$/, '').replace(/\/v1$/, '')).replace(/\/+$/, '');
}

/** Undefined when the config has errors (already printed). */
export async function launchGateway(values: Values): Promise<LaunchGateway | undefined> {
  if (typeof values.url === 'string') {
    if (values.config !== undefined || values.bundle !== undefined) throw new UsageError('give --url or --config/--bundle, not both');
    return { url: gatewayOrigin(values.url), quiet: () => undefined, stop: async () => undefined };
  }
  // compiling a config loads the compiler; `--url` does not
  const [{ loadBundleInput }, { DEFAULT_CONFIG }] = await Promise.all([import('../bundle-input.js'), import('../commands/check.js')]);
  if (values.config === undefined && values.bundle === undefined && !(await exists(DEFAULT_CONFIG))) {
    throw new UsageError(`there is no ${DEFAULT_CONFIG} here: give --config F or --bundle F to start a gateway from, or --url of a running one`);
  }
  const loaded = await loadBundleInput(values);
  if (!loaded) return undefined;
  // the agent owns stdout: no access log lines there (the request log still records every request)
  const logging = { ...loaded.observability.logging, accessLog: false };
  const bundle: RoutingBundle = { ...loaded, observability: { ...loaded.observability, logging } };

  let held: string[] | undefined;
  let dropped = 0;
  const log = (line: string) => {
    if (!held) process.stderr.write(line + '\n');
    else if (held.length < MAX_HELD_LINES) held.push(line);
    else dropped++;
  };
  const { startGateway } = await import('../../runtime/server.js');
  const gateway: RunningGateway = await startGateway({ bundle, host: '127.0.0.1', port: 0, log });
  return {
    url: gateway.url,
    bundle,
    quiet: () => (held = []),
    async stop() {
      await gateway.close(1_000);
      const lines = held ?? [];
      held = undefined;
      for (const line of lines) log(line);
      if (dropped > 0) log(`anyrouter: ${dropped} more gateway log lines were dropped`);
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
