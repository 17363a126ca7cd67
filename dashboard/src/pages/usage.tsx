import type { UsageRow } from '../api.js';
import { query } from '../api.js';
import { Chart, PALETTE } from '../chart.js';
import { Columns, ErrorNote, TableWrap } from '../components.js';
import { count, ms, percent, usd } from '../format.js';
import { useApi } from '../hooks.js';
import { href, type Route } from '../router.js';
import { useContext } from 'preact/hooks';
import { ThemeContext } from '../theme.js';

const GROUPS = ['model', 'key', 'app', 'upstream'] as const;
const RANGES: Array<[string, string]> = [['24h', 'last 24 hours'], ['7d', 'last 7 days'], ['30d', 'last 30 days']];

interface Series {
  label: string;
  values: Array<number | null>;
}

export function UsagePage({ route }: { route: Route }) {
  const groupBy = GROUPS.find((g) => g === route.params.get('group_by')) ?? 'model';
  const since = route.params.get('from') ?? '24h';
  const bucket = route.params.get('bucket') === 'day' ? 'day' : 'hour';
  const theme = useContext(ThemeContext);
  const buckets = useApi<{ data: UsageRow[] }>('/api/usage' + query({ group_by: groupBy, bucket, from: since }));
  const totals = useApi<{ data: UsageRow[] }>('/api/usage' + query({ group_by: groupBy, from: since }));

  const set = (name: string, value: string) => {
    location.hash = href(['usage'], { group_by: groupBy, from: since, bucket, [name]: value });
  };

  const rows = buckets.data?.data ?? [];
  const groups = (totals.data?.data ?? []).slice().sort((a, b) => b.requests - a.requests);
  const x = [...new Set(rows.map((r) => r.bucketStart!))].sort((a, b) => a - b);
  const label = (g: string | null) => g ?? '(none)';
  const seriesOf = (pick: (r: UsageRow) => number): Series[] =>
    groups.map((g) => ({
      label: label(g.group),
      values: x.map((t) => {
        const row = rows.find((r) => r.bucketStart === t && r.group === g.group);
        return row ? pick(row) : null;
      }),
    }));
  const sum = (series: Series[]) => series.reduce((all, s) => all + s.values.reduce<number>((a, v) => a + (v ?? 0), 0), 0);

  const requests = seriesOf((r) => r.requests);
  const tokens = seriesOf((r) => r.promptTokens + r.completionTokens);
  const cost = seriesOf((r) => r.costUsd);
  const errors = seriesOf((r) => r.errorRate);
  // one colour per group: p50 solid, p99 dashed
  const latency = [
    ...seriesOf((r) => r.p50LatencyMs).map((s, i) => ({ ...s, label: `${s.label} p50`, color: PALETTE[i % PALETTE.length]! })),
    ...seriesOf((r) => r.p99LatencyMs).map((s, i) => ({ ...s, label: `${s.label} p99`, color: PALETTE[i % PALETTE.length]!, dash: true })),
  ];
  const seconds = x.map((t) => t / 1000);
  const span = bucket === 'day' ? 86_400 : 3_600;
  const all = groups.reduce(
    (t, g) => ({ requests: t.requests + g.requests, failed: t.failed + g.failed, prompt: t.prompt + g.promptTokens, completion: t.completion + g.completionTokens, cost: t.cost + g.costUsd }),
    { requests: 0, failed: 0, prompt: 0, completion: 0, cost: 0 },
  );

  return (
    <section aria-labelledby="usage-title">
      <div class="page-head">
        <h1 id="usage-title" tabIndex={-1}>Usage</h1>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          Group by
          <select value={groupBy} onChange={(e) => set('group_by', (e.target as HTMLSelectElement).value)}>
            {GROUPS.map((g) => <option key={g} value={g}>{g}</option>)}
          </select>
        </label>
        <label>
          Range
          <select value={since} onChange={(e) => set('from', (e.target as HTMLSelectElement).value)}>
            {RANGES.map(([v, l]) => <option key={v} value={v}>{l}</option>)}
          </select>
        </label>
        <label>
          Bucket
          <select value={bucket} onChange={(e) => set('bucket', (e.target as HTMLSelectElement).value)}>
            <option value="hour">hour</option>
            <option value="day">day</option>
          </select>
        </label>
      </form>
      <ErrorNote error={buckets.error ?? totals.error} />
      {buckets.data && totals.data && groups.length === 0 ? <p class="empty">No requests in this range.</p> : null}
      {groups.length > 0 ? (
        <>
          <div class="charts">
            <Chart id="requests" title="Requests" x={seconds} bucketSeconds={span} integer series={requests} format={(v) => count(Math.round(v))} total={count(sum(requests))} theme={theme} />
            <Chart id="error-rate" title="Error rate" x={seconds} bucketSeconds={span} series={errors} format={percent} theme={theme} />
            <Chart id="tokens" title="Tokens (prompt + completion)" x={seconds} bucketSeconds={span} integer series={tokens} format={(v) => count(Math.round(v))} total={count(sum(tokens))} theme={theme} />
            <Chart id="cost" title="Cost" x={seconds} bucketSeconds={span} series={cost} format={usd} total={usd(sum(cost))} theme={theme} />
            <Chart id="latency" title="Latency p50 (solid) and p99 (dashed)" x={seconds} bucketSeconds={span} series={latency} format={ms} theme={theme} />
          </div>
          <TableWrap label={`Usage by ${groupBy}`}>
            <table class="usage">
              <Columns names={[groupBy, { label: 'Requests', className: 'num' }, { label: 'Failed', className: 'num' }, { label: 'Error rate', className: 'num' }, { label: 'Prompt tokens', className: 'num' }, { label: 'Completion tokens', className: 'num' }, { label: 'Cost', className: 'num' }, { label: 'p50', className: 'num' }, { label: 'p99', className: 'num' }]} />
              <tbody>
                {groups.map((g) => (
                  <tr key={label(g.group)}>
                    <th scope="row">{label(g.group)}</th>
                    <td class="num">{count(g.requests)}</td>
                    <td class="num">{count(g.failed)}</td>
                    <td class="num">{percent(g.errorRate)}</td>
                    <td class="num">{count(g.promptTokens)}</td>
                    <td class="num">{count(g.completionTokens)}</td>
                    <td class="num">{usd(g.costUsd)}</td>
                    <td class="num">{ms(g.p50LatencyMs)}</td>
                    <td class="num">{ms(g.p99LatencyMs)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">All</th>
                  <td class="num">{count(all.requests)}</td>
                  <td class="num">{count(all.failed)}</td>
                  <td class="num">{all.requests ? percent(all.failed / all.requests) : '–'}</td>
                  <td class="num">{count(all.prompt)}</td>
                  <td class="num">{count(all.completion)}</td>
                  <td class="num">{usd(all.cost)}</td>
                  <td class="num" colSpan={2} />
                </tr>
              </tfoot>
            </table>
          </TableWrap>
        </>
      ) : null}
    </section>
  );
}
