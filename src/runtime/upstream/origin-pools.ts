/** One undici Pool per upstream origin, with keep-alive, created on first use. */
import { Pool } from 'undici';

export class OriginPools {
  private readonly pools = new Map<string, Pool>();

  get(origin: string, options: { connections: number; connectTimeoutMs: number }): Pool {
    const key = `${origin}|${options.connections}|${options.connectTimeoutMs}`;
    let pool = this.pools.get(key);
    if (!pool) {
      pool = new Pool(origin, {
        connections: options.connections,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        connect: { timeout: options.connectTimeoutMs },
        // our own timers enforce first byte and deadlines; undici's idle timer is set per request
        headersTimeout: 0,
      });
      this.pools.set(key, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close().catch(() => undefined)));
    this.pools.clear();
  }
}
