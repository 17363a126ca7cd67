import { useEffect, useRef, useState } from 'preact/hooks';
import { get, query, tailRequests, type RequestList, type RequestSummary } from '../api.js';
import { Columns, ErrorNote, StatusBadge, TableWrap } from '../components.js';
import { clockTime, count, ms, usd } from '../format.js';
import { href, type Route } from '../router.js';

const FILTERS = ['model', 'key', 'app', 'status', 'upstream', 'from', 'to'] as const;
type Filters = Partial<Record<(typeof FILTERS)[number], string>>;

const RANGES: Array<[string, string]> = [['', 'all time'], ['15m', 'last 15 minutes'], ['1h', 'last hour'], ['24h', 'last 24 hours'], ['7d', 'last 7 days']];

function filtersOf(route: Route): Filters {
  const filters: Filters = {};
  for (const name of FILTERS) {
    const value = route.params.get(name);
    if (value) filters[name] = value;
  }
  return filters;
}

const isFailed = (r: RequestSummary) => r.status >= 400 || r.errorClass !== undefined;

export function RequestsPage({ route }: { route: Route }) {
  const filters = filtersOf(route);
  const filterKey = JSON.stringify(filters);
  const [rows, setRows] = useState<RequestSummary[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<Error>();
  const [loading, setLoading] = useState(true);
  const [live, setLive] = useState(true);
  const [connected, setConnected] = useState(false);
  const [fresh, setFresh] = useState<Set<string>>(new Set());
  const [announce, setAnnounce] = useState('');
  const seen = useRef(new Set<string>());

  useEffect(() => {
    const abort = new AbortController();
    setLoading(true);
    seen.current = new Set();
    get<RequestList>('/api/requests' + query({ ...filters, limit: '50' }), undefined, abort.signal).then(
      (page) => {
        for (const r of page.data) seen.current.add(r.id);
        setRows(page.data);
        setCursor(page.next_cursor);
        setError(undefined);
        setLoading(false);
      },
      (e: Error) => {
        if (!abort.signal.aborted) {
          setError(e);
          setLoading(false);
        }
      },
    );
    return () => abort.abort();
  }, [filterKey]);

  useEffect(() => {
    if (!live) return;
    const abort = new AbortController();
    // the tail takes the same filters but `from`/`to`: it shows what arrives from now on
    const { from: _from, to: _to, ...tailFilters } = filters;
    void tailRequests(
      tailFilters,
      (r) => {
        if (seen.current.has(r.id)) return;
        seen.current.add(r.id);
        setRows((current) => [r, ...current]);
        setFresh((f) => new Set(f).add(r.id));
        setAnnounce(`New request ${r.id}: ${r.servedModel ?? r.requestedModel}, status ${r.status}`);
      },
      setConnected,
      abort.signal,
    );
    return () => {
      abort.abort();
      setConnected(false);
    };
  }, [live, filterKey]);

  const more = async () => {
    if (!cursor) return;
    try {
      const page = await get<RequestList>('/api/requests' + query({ ...filters, limit: '50', cursor }));
      const older = page.data.filter((r) => !seen.current.has(r.id));
      for (const r of older) seen.current.add(r.id);
      setRows((current) => [...current, ...older]);
      setCursor(page.next_cursor);
    } catch (e) {
      setError(e as Error);
    }
  };

  const apply = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const next: Record<string, string> = {};
    for (const name of FILTERS) {
      const value = String(form.get(name) ?? '').trim();
      if (value) next[name] = value;
    }
    location.hash = href(['requests'], next);
  };

  return (
    <section aria-labelledby="requests-title">
      <div class="page-head">
        <h1 id="requests-title" tabIndex={-1}>Requests</h1>
        <label class="toggle">
          <input type="checkbox" checked={live} onChange={(e) => setLive((e.target as HTMLInputElement).checked)} />
          Live tail <span class={`dot ${live && connected ? 'on' : ''}`} aria-hidden="true" />
          <span class="sr-only">{live ? (connected ? '(connected)' : '(connecting)') : '(off)'}</span>
        </label>
      </div>
      {/* uncontrolled fields (typing survives the tail's re-renders); a new filter set remounts them */}
      <form class="filters" onSubmit={apply} key={filterKey}>
        <Field name="model" label="Model" value={filters.model} />
        <Field name="key" label="Gateway key" value={filters.key} />
        <Field name="app" label="App" value={filters.app} />
        <Field name="upstream" label="Upstream" value={filters.upstream} placeholder="provider or provider/model" />
        <label>
          Status
          <input name="status" list="status-values" defaultValue={filters.status ?? ''} placeholder="ok, failed or a code" />
          <datalist id="status-values"><option value="ok" /><option value="failed" /><option value="429" /><option value="503" /></datalist>
        </label>
        <label>
          Time
          <select name="from" defaultValue={filters.from ?? ''}>
            {RANGES.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
          </select>
        </label>
        <div class="filter-actions">
          <button type="submit">Apply</button>
          {Object.keys(filters).length ? <a href={href(['requests'])}>Clear</a> : null}
        </div>
      </form>
      <p class="sr-only" aria-live="polite">{announce}</p>
      <ErrorNote error={error} />
      <TableWrap label="Requests, newest first">
        <table class="requests">
          <Columns names={['Time', 'Request', 'Model', 'Status', 'Upstream', { label: 'Attempts', className: 'num' }, { label: 'Latency', className: 'num' }, { label: 'Tokens', className: 'num' }, { label: 'Cost', className: 'num' }, 'Key', 'App']} />
          <tbody>
            {rows.map((r) => (
              <tr key={r.id} class={fresh.has(r.id) ? 'fresh' : undefined} data-request-id={r.id}>
                <td><time dateTime={new Date(r.time).toISOString()} title={new Date(r.time).toISOString()}>{clockTime(r.time)}</time></td>
                <td><a href={href(['requests', r.id])} class="mono">{r.id.slice(-8)}</a></td>
                <td>{r.servedModel ?? r.requestedModel}{r.servedModel && r.servedModel !== r.requestedModel ? <span class="muted"> ← {r.requestedModel}</span> : null}</td>
                <td><StatusBadge status={r.status} failed={isFailed(r)} />{r.errorClass ? <span class="muted"> {r.errorClass}</span> : null}</td>
                <td>{r.upstream ?? '–'}</td>
                <td class="num">{r.attemptCount > 1 ? <strong>{r.attemptCount}</strong> : r.attemptCount}</td>
                <td class="num">{ms(r.latencyMs)}</td>
                <td class="num">{r.tokens ? count(r.tokens.prompt + r.tokens.completion) : '–'}</td>
                <td class="num">{usd(r.costUsd)}</td>
                <td>{r.gatewayKey ?? '–'}</td>
                <td>{r.app.title ?? r.app.source ?? r.app.referer ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {!loading && rows.length === 0 ? <p class="empty">No requests {Object.keys(filters).length ? 'match these filters' : 'in the log yet'}.</p> : null}
      {cursor ? <button type="button" class="more" onClick={more}>Older requests</button> : null}
    </section>
  );
}

function Field({ name, label, value, placeholder }: { name: string; label: string; value: string | undefined; placeholder?: string }) {
  return (
    <label>
      {label}
      <input name={name} defaultValue={value ?? ''} placeholder={placeholder} />
    </label>
  );
}
