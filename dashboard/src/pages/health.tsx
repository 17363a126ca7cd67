import type { LiveHealth } from '../api.js';
import { Columns, ErrorNote, StateBadge, TableWrap } from '../components.js';
import { clockTime, count, countdown, dateTime, ms } from '../format.js';
import { useApi, useNow } from '../hooks.js';

interface KeyHealth {
  tier: string;
  configured: boolean;
  state: string;
  until?: string;
  lastError?: string;
  lastErrorAt?: string;
}
interface Percentiles {
  p50: number;
  p99: number;
}
interface UpstreamHealth {
  state: string;
  until?: string;
  consecutiveFailures?: number;
  window?: { attempts: number; failures: number };
  ejections?: number;
  lastError?: string;
  lastErrorAt?: string;
  stats: { samples: number; ttfbMs?: Percentiles; tokensPerSecond?: Percentiles };
}

const REFRESH_MS = 2_000;

export function HealthPage() {
  const { data, error } = useApi<LiveHealth>('/api/health', REFRESH_MS);
  const now = useNow();
  // countdowns run on the gateway's clock: the offset from this browser's, as of the last snapshot
  const offset = data ? Date.parse(data.now) - receivedAt(data) : 0;
  const left = (until: string | undefined) => (until ? Date.parse(until) - (now + offset) : 0);
  const providers = Object.entries((data?.providers ?? {}) as Record<string, { type: string; keys: Record<string, KeyHealth> }>);
  const upstreams = Object.entries((data?.upstreams ?? {}) as Record<string, UpstreamHealth>);
  return (
    <section aria-labelledby="health-title">
      <div class="page-head">
        <h1 id="health-title" tabIndex={-1}>Health</h1>
        {data ? <p class="muted">Bundle <span class="mono">{data.bundle.slice(0, 19)}</span>, up {count(data.uptimeSeconds)} s, refreshed every {REFRESH_MS / 1000} s (last {clockTime(Date.parse(data.now))})</p> : null}
      </div>
      <ErrorNote error={error} />
      <h2>Keys</h2>
      <TableWrap label="Provider keys">
        <table class="health-keys">
          <Columns names={['Provider', 'Key', 'Tier', 'State', 'Until', 'Why']} />
          <tbody>
            {providers.flatMap(([id, p]) =>
              Object.entries(p.keys).map(([name, k]) => (
                <tr key={`${id}/${name}`} data-key={`${id}/${name}`} data-state={k.state}>
                  <td>{id} <span class="muted">({p.type})</span></td>
                  <td>{name}</td>
                  <td>{k.tier}</td>
                  <td><StateBadge state={k.state} /></td>
                  <td>{k.until ? <Countdown until={k.until} left={left(k.until)} /> : '–'}</td>
                  <td>{k.state === 'missing' ? 'not in the environment' : k.lastError ? `${k.lastError} at ${clockTime(Date.parse(k.lastErrorAt!))}` : '–'}</td>
                </tr>
              )),
            )}
          </tbody>
        </table>
      </TableWrap>
      <h2>Upstreams</h2>
      <TableWrap label="Upstreams">
        <table class="health-upstreams">
          <Columns names={['Upstream', 'State', 'Until', { label: 'Failures in a row', className: 'num' }, { label: 'Window (failed / attempts)', className: 'num' }, { label: 'Ejections', className: 'num' }, { label: 'First byte p50 / p99', className: 'num' }, { label: 'Tokens/s p50', className: 'num' }, 'Last error']} />
          <tbody>
            {upstreams.map(([id, u]) => (
              <tr key={id} data-upstream={id} data-state={u.state}>
                <th scope="row">{id}</th>
                <td><StateBadge state={u.state} /></td>
                <td>{u.until ? <Countdown until={u.until} left={left(u.until)} /> : '–'}</td>
                <td class="num">{u.consecutiveFailures ?? 0}</td>
                <td class="num">{u.window ? `${u.window.failures} / ${u.window.attempts}` : '0 / 0'}</td>
                <td class="num">{u.ejections ?? 0}</td>
                <td class="num">{u.stats.ttfbMs ? `${ms(u.stats.ttfbMs.p50)} / ${ms(u.stats.ttfbMs.p99)}` : '–'}</td>
                <td class="num">{u.stats.tokensPerSecond ? Math.round(u.stats.tokensPerSecond.p50) : '–'}</td>
                <td>{u.lastError ? `${u.lastError} at ${clockTime(Date.parse(u.lastErrorAt!))}` : '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {data ? (
        <>
          <h2>Outlier detection in force</h2>
          <dl class="facts">
            {Object.entries(data.outlier).map(([name, value]) => <div key={name}><dt>{name}</dt><dd>{String(value)}</dd></div>)}
          </dl>
        </>
      ) : null}
    </section>
  );
}

function Countdown({ until, left }: { until: string; left: number }) {
  return (
    <time class="countdown" dateTime={until} title={dateTime(until)}>
      {countdown(left)}
    </time>
  );
}

/** When this browser received a snapshot (kept per object: each refresh is a new one). */
const received = new WeakMap<object, number>();
function receivedAt(data: object): number {
  let at = received.get(data);
  if (at === undefined) received.set(data, (at = Date.now()));
  return at;
}
