/** Hash routes (`#/requests?model=x`, `#/requests/<id>`): the gateway serves one page, and every view has a link. */
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** `['requests', 'req_…']` for `#/requests/req_…`. */
  parts: string[];
  params: URLSearchParams;
}

export function currentRoute(): Route {
  const hash = location.hash.replace(/^#\/?/, '');
  const [path = '', search = ''] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { parts: parts.length ? parts : ['requests'], params: new URLSearchParams(search) };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const changed = () => setRoute(currentRoute());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

export function href(parts: string[], params?: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) if (v) q.set(k, v);
  const search = q.toString();
  return '#/' + parts.map(encodeURIComponent).join('/') + (search ? '?' + search : '');
}
