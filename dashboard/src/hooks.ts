import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './api.js';

export interface Loaded<T> {
  data?: T;
  error?: ApiError | Error;
  loading: boolean;
}

/** `GET path`, again whenever `path` changes, and every `refreshMs` when given. */
export function useApi<T>(path: string | undefined, refreshMs?: number): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T>>({ loading: path !== undefined });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    get<T>(path, undefined, abort.signal).then(
      (data) => setState({ data, loading: false }),
      (error: Error) => !abort.signal.aborted && setState((s) => ({ ...s, error, loading: false })),
    );
    const timer = refreshMs ? setTimeout(() => setTick((t) => t + 1), refreshMs) : undefined;
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [path, tick, refreshMs]);
  return { ...state, reload: () => setTick((t) => t + 1) };
}

/** Re-renders every `everyMs` (countdowns). */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
