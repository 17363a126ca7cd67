/** Retention of the request log: deletes requests older than N days, on a timer, never per request. */

export const DAY_MS = 86_400_000;

export interface RetentionTarget {
  /** Deletes requests older than `cutoffMs` and returns how many. */
  deleteOlderThan(cutoffMs: number): number | Promise<number>;
}

export interface RetentionOptions {
  /** Keep this many days; 0 or less keeps everything (no timer is started). */
  days: number;
  /** Default 1 hour. */
  intervalMs?: number;
  /** Delay of the first run after start. Default 1 minute (not during startup). */
  firstRunMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

export interface RetentionSchedule {
  /** Runs a purge now (or joins the one running); resolves to the rows deleted. */
  runNow(): Promise<number>;
  stop(): void;
}

export function startRetention(target: RetentionTarget, options: RetentionOptions): RetentionSchedule {
  const now = options.now ?? Date.now;
  const keepMs = options.days * DAY_MS;
  let running: Promise<number> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const runNow = (): Promise<number> => {
    if (!(keepMs > 0)) return Promise.resolve(0);
    running ??= (async () => {
      try {
        return await target.deleteOlderThan(now() - keepMs);
      } catch (error) {
        try {
          options.onError?.(error);
        } catch {
          // ignore a failing hook
        }
        return 0;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const arm = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      void runNow().then(() => arm(options.intervalMs ?? 3_600_000));
    }, ms);
    timer.unref();
  };
  if (keepMs > 0) arm(options.firstRunMs ?? 60_000);

  return {
    runNow,
    stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
