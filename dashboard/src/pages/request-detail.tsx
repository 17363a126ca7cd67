import type { RequestRecord } from '../api.js';
import { Columns, ErrorNote, StatusBadge, TableWrap } from '../components.js';
import { count, dateTime, ms, usd } from '../format.js';
import { useApi } from '../hooks.js';
import { href } from '../router.js';

type Attempt = RequestRecord['attempts'][number];

export function RequestDetailPage({ id }: { id: string }) {
  const { data: r, error, loading } = useApi<RequestRecord>(`/api/requests/${encodeURIComponent(id)}`);
  return (
    <section aria-labelledby="detail-title">
      <p class="crumbs"><a href={href(['requests'])}>← Requests</a></p>
      <h1 id="detail-title" tabIndex={-1}>Request <span class="mono">{id}</span></h1>
      <ErrorNote error={error} />
      {loading && !r ? <p class="loading">Loading…</p> : null}
      {r ? <Detail r={r} /> : null}
    </section>
  );
}

function Detail({ r }: { r: RequestRecord }) {
  const failed = r.status >= 400 || r.errorClass !== undefined;
  const attribution = Object.entries(r.app).filter(([, v]) => v);
  return (
    <>
      <dl class="facts">
        <div><dt>Status</dt><dd><StatusBadge status={r.status} failed={failed} />{r.errorClass ? ` ${r.errorClass}` : ''}</dd></div>
        <div><dt>Time</dt><dd>{dateTime(r.time)}</dd></div>
        <div><dt>Model asked</dt><dd>{r.requestedModel}{r.preset ? ` (preset ${r.preset})` : ''}</dd></div>
        <div><dt>Model served</dt><dd>{r.servedModel ?? '–'}</dd></div>
        <div><dt>Protocol</dt><dd>{r.protocol}{r.stream ? ', streamed' : ''}</dd></div>
        <div><dt>Gateway key</dt><dd>{r.gatewayKey ?? '–'}</dd></div>
        <div><dt>Latency</dt><dd>{ms(r.latencyMs)}{r.ttfbMs !== undefined ? `, first byte ${ms(r.ttfbMs)}` : ''}</dd></div>
        <div><dt>Tokens</dt><dd>{r.tokens ? `${count(r.tokens.prompt)} in, ${count(r.tokens.completion)} out${r.tokens.cached ? `, ${count(r.tokens.cached)} cached` : ''}${r.tokens.reasoning ? `, ${count(r.tokens.reasoning)} reasoning` : ''}` : '–'}</dd></div>
        <div><dt>Cost</dt><dd>{usd(r.costUsd)}</dd></div>
      </dl>

      <h2>Attempts</h2>
      {r.attempts.length === 0 ? <p class="empty">No upstream was called{r.errorClass ? ` (${r.errorClass})` : ''}.</p> : <Waterfall r={r} />}

      <h2>Headers that steered routing</h2>
      {attribution.length || r.preset ? (
        <dl class="facts">
          {r.preset ? <div><dt>Preset</dt><dd>{r.preset}</dd></div> : null}
          {attribution.map(([name, value]) => <div key={name}><dt>App {name}</dt><dd>{value}</dd></div>)}
        </dl>
      ) : (
        <p class="muted">None recorded: no preset and no app attribution (X-AnyRouter-Title, X-Title, HTTP-Referer).</p>
      )}

      {r.bodies ? (
        <>
          <h2>Bodies</h2>
          {r.bodies.request !== undefined ? <details open><summary>Request body</summary><pre>{pretty(r.bodies.request)}</pre></details> : null}
          {r.bodies.response !== undefined ? <details><summary>Response body</summary><pre>{pretty(r.bodies.response)}</pre></details> : null}
        </>
      ) : (
        <p class="muted">Bodies are stored only with <code>logging.bodies: true</code>.</p>
      )}
    </>
  );
}

/** The attempts in order, each as a bar on the request's own time line, with why the next one was made. */
function Waterfall({ r }: { r: RequestRecord }) {
  const start = Math.min(r.time, ...r.attempts.map((a) => a.startedAt));
  const span = Math.max(1, r.time + r.latencyMs - start, ...r.attempts.map((a) => a.startedAt + a.latencyMs - start));
  return (
    <TableWrap label="Attempt waterfall">
      <table class="waterfall">
        <Columns names={['#', 'Upstream', 'Key', 'Status', 'Error class', { label: 'Latency', className: 'num' }, { label: `Timeline (${ms(span)})`, className: 'bar-col' }, 'Why the next attempt']} />
        <tbody>
          {r.attempts.map((a, i) => (
            <tr key={i} class="attempt" data-outcome={a.outcome}>
              <td>{i + 1}</td>
              <td>
                {a.upstream}
                {a.routing ? <span class={`badge ${a.routing === 'panic' ? 'bad' : 'warn'}`} title={a.routing === 'panic' ? 'every candidate was ejected: tried in rank order' : 'the upstream was ejected: tried after the healthy ones'}>{a.routing}</span> : null}
              </td>
              <td>{a.keyName} <span class="muted">({a.keyTier})</span></td>
              <td>{a.status !== undefined ? <StatusBadge status={a.status} failed={a.outcome !== 'success'} /> : <span class="badge bad">none</span>}</td>
              <td>{a.errorClass ?? (a.outcome === 'success' ? '–' : a.outcome)}</td>
              <td class="num">{ms(a.latencyMs)}{a.ttfbMs !== undefined ? <span class="muted"> ({ms(a.ttfbMs)} to first byte)</span> : null}</td>
              <td class="bar-col"><Bar a={a} start={start} span={span} /></td>
              <td>{a.nextBecause ?? (i === r.attempts.length - 1 ? <span class="muted">last attempt</span> : '–')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function Bar({ a, start, span }: { a: Attempt; start: number; span: number }) {
  const left = ((a.startedAt - start) / span) * 100;
  const width = Math.max(0.8, (a.latencyMs / span) * 100);
  return (
    <div class="track" aria-hidden="true">
      <div class={`bar ${a.outcome === 'success' ? 'good' : 'bad'}`} style={{ left: `${left}%`, width: `${Math.min(width, 100 - left)}%` }} />
    </div>
  );
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
