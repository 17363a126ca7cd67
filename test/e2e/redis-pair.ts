/** Two gateways on one Redis (a fresh key prefix each pair), for the tests of what gateways share through `state.redis`. */
import { setTimeout as sleep } from 'node:timers/promises';
import { freshPrefix } from '../support/redis-server.js';
import type { E2E, GatewayConfig, GatewayFixture } from './harness.js';

export async function gatewaysOnOneRedis(e2e: E2E, config: GatewayConfig, redisUrl: string): Promise<{ a: GatewayFixture; b: GatewayFixture }> {
  const shared = { ...config, state: { redis: { url: { env: 'REDIS_URL' }, prefix: freshPrefix() } } } as GatewayConfig;
  const env = { REDIS_URL: redisUrl };
  return { a: await e2e.gateway(shared, env), b: await e2e.gateway(shared, env) };
}

/** Polls `condition` until it holds (what another gateway learns over the channel arrives in milliseconds). */
export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await sleep(10);
  }
}
