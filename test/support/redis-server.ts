/**
 * Redis for the tests: the machine's server on 127.0.0.1:6379 (a fresh key prefix per run), and private
 * `redis-server` processes on free ports for tests that stop and restart one. Under CI=true a missing
 * server fails the test instead of skipping it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { freePort } from './free-port.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

export const REDIS_URL = process.env.ANYROUTER_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A prefix no other run uses. */
export function freshPrefix(): string {
  return `anyrouter-test:${randomUUID()}:`;
}

/** Whether Redis answers PING at `url`. */
export async function ping(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null, connectTimeout: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** Whether the machine's Redis answers; under CI=true, throws when it does not (a test that needs it fails, never skips). */
export async function redisAvailable(url = REDIS_URL): Promise<boolean> {
  if (await ping(url)) return true;
  if (process.env.CI === 'true') throw new Error(`Redis is required under CI=true and does not answer at ${url}`);
  return false;
}


/** A redis-server of this test's own, which it may stop and start again on the same port. */
export class PrivateRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if (await ping(this.url)) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  async stop(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }
}
