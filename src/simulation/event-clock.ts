/**
 * Simulated time for concurrent requests: a clock that moves only when every simulated request is
 * waiting, to the earliest wake-up any of them asked for. Deterministic: ties wake in the order asked.
 */
import type { Clock } from '../runtime/engine/attempt-loop.js';

interface Wake {
  at: number;
  seq: number;
  resolve: () => void;
}

export class EventClock implements Clock {
  private time: number;
  private seq = 0;
  private readonly wakes: Wake[] = [];

  constructor(start: number) {
    this.time = start;
  }

  now(): number {
    return this.time;
  }

  /** Resolves when the clock reaches now + ms. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.insert({ at: this.time + Math.max(0, ms), seq: this.seq++, resolve }));
  }

  /** Runs `tasks` to the end, moving the clock from wake-up to wake-up. */
  async run(tasks: Array<Promise<unknown>>): Promise<void> {
    let settled = false;
    const all = Promise.all(tasks).finally(() => (settled = true));
    // a task that throws settles `all` at once; handled here, it rejects `run` at the end, never as unhandled
    all.catch(() => undefined);
    for (;;) {
      // let every task run until it waits on the clock (or ends)
      await new Promise((r) => setImmediate(r));
      if (settled) break;
      const next = this.wakes.shift();
      if (next === undefined) break;
      this.time = Math.max(this.time, next.at);
      next.resolve();
    }
    await all;
  }

  private insert(wake: Wake): void {
    // sorted by (at, seq); the list is as long as the requests in flight
    let i = this.wakes.length;
    while (i > 0 && (this.wakes[i - 1]!.at > wake.at || (this.wakes[i - 1]!.at === wake.at && this.wakes[i - 1]!.seq > wake.seq))) i--;
    this.wakes.splice(i, 0, wake);
  }
}
