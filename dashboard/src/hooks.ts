import { useEffect, useState } from 'preact/hooks';
import { ApiError, get } from './api.js';

export interface Loaded<T> {
  data?: T;
  error?: ApiError | Error;
  loading: boolean;
}

/**
 * `GET path`, again whenever `path` changes, and every `refreshMs` when given. What was loaded for another path
 * is never handed out as this one's: two queries of one page (a chart's buckets and its totals) then always
 * describe the same selection, instead of one of them showing the previous selection for a moment.
 */
export function useApi<T>(path: string | undefined, refreshMs?: number): Loaded<T> & { reload: () => void } {
  const [state, setState] = useState<Loaded<T> & { path?: string }>({ loading: path !== undefined });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    const abort = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    get<T>(path, undefined, abort.signal).then(
      (data) => setState({ data, loading: false, path }),
      (error: Error) => !abort.signal.aborted && setState((s) => (s.path === path ? { ...s, error, loading: false } : { error, loading: false, path })),
    );
    const timer = refreshMs ? setTimeout(() => setTick((t) => t + 1), refreshMs) : undefined;
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [path, tick, refreshMs]);
  const { path: loadedFor, ...loaded } = state;
  return { ...(loadedFor === path ? loaded : { loading: path !== undefined }), reload: () => setTick((t) => t + 1) };
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
