import type { Catalog, RouteExplanation, RouteRefusalExplanation } from '../api.js';
import { query } from '../api.js';
import { Columns, ErrorNote, TableWrap } from '../components.js';
import { count, dateTime } from '../format.js';
import { useApi } from '../hooks.js';
import { href, type Route } from '../router.js';

export function ModelsPage({ route }: { route: Route }) {
  const catalog = useApi<Catalog>('/api/models');
  const chosen = route.params.get('explain') ?? undefined;
  const c = catalog.data;
  const choose = (e: Event) => {
    e.preventDefault();
    const value = String(new FormData(e.target as HTMLFormElement).get('model') ?? '').trim();
    location.hash = href(['models'], { explain: value });
  };
  return (
    <section aria-labelledby="models-title">
      <div class="page-head">
        <h1 id="models-title" tabIndex={-1}>Models and routing</h1>
        {c ? <p class="muted">Bundle <span class="mono" data-bundle-hash>{c.bundle.hash}</span>, loaded {dateTime(c.bundle.loadedAt)}</p> : null}
      </div>
      <ErrorNote error={catalog.error} />
      <form class="filters explain-form" onSubmit={choose} key={chosen}>
        <label>
          Explain the route for
          <input name="model" list="model-names" defaultValue={chosen ?? ''} placeholder="a model, alias, pool or @preset/name" required />
        </label>
        <datalist id="model-names">
          {c?.models.flatMap((m) => [m.id, ...m.aliases]).map((n) => <option key={n} value={n} />)}
          {c?.presets.map((p) => <option key={p.name} value={`@preset/${p.name}`} />)}
          {c?.pools.map((p) => <option key={p.id} value={p.id} />)}
        </datalist>
        <div class="filter-actions"><button type="submit">Explain</button></div>
      </form>
      {chosen ? <Explanation model={chosen} /> : null}
      {c ? (
        <>
          <h2>Catalog ({c.models.length} models)</h2>
          <TableWrap label="Model catalog">
            <table class="catalog">
              <Columns names={['Model', 'Aliases', { label: 'Context', className: 'num' }, { label: '$ / 1M in, out', className: 'num' }, 'Upstreams, in rank order', { label: <><span class="sr-only">Explain</span></> }]} />
              <tbody>
                {c.models.map((m) => (
                  <tr key={m.id}>
                    <th scope="row">{m.id}</th>
                    <td>{m.aliases.join(', ') || '–'}</td>
                    <td class="num">{count(m.context)}</td>
                    <td class="num">{m.pricing.prompt}, {m.pricing.completion}</td>
                    <td>{m.upstreams.map((u, i) => <span key={i} class={u.keyed ? 'chip' : 'chip off'} title={u.keyed ? `priority ${u.priority}` : 'no key for this provider in the environment'}>{u.provider}</span>)}</td>
                    <td><a href={href(['models'], { explain: m.id })}>Explain<span class="sr-only"> {m.id}</span></a></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {c.presets.length ? (
            <>
              <h2>Presets</h2>
              <ul class="plain">
                {c.presets.map((p) => <li key={p.name}><a href={href(['models'], { explain: `@preset/${p.name}` })}>@preset/{p.name}</a>: {p.model}{p.models.length ? `, then ${p.models.join(', ')}` : ''}{p.description ? ` (${p.description})` : ''}</li>)}
              </ul>
            </>
          ) : null}
          {c.pools.length ? (
            <>
              <h2>Pools</h2>
              <ul class="plain">
                {c.pools.map((p) => <li key={p.id}><a href={href(['models'], { explain: p.id })}>{p.id}</a>: {p.members.join(', ') || 'no members'}</li>)}
              </ul>
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function Explanation({ model }: { model: string }) {
  const { data, error } = useApi<RouteExplanation | RouteRefusalExplanation>('/api/explain' + query({ model }));
  if (error) return <ErrorNote error={error} />;
  if (!data) return <p class="loading">Planning…</p>;
  return (
    <div class="explanation" aria-live="polite">
      <h2>Route for <span class="mono">{model}</span></h2>
      {'error' in data ? (
        <p class="error">No plan: {data.error.message} (the gateway answers {data.error.status})</p>
      ) : (
        <>
          <p class="muted">
            Models {data.models.join(', ')}{data.preset ? ` (preset ${data.preset})` : ''}; at most {data.maxAttempts} attempts within {count(data.requestTimeoutMs)} ms{data.panic ? '; every upstream is ejected: panic routing in rank order' : ''}.
          </p>
          {data.refusal ? <p class="error">{data.refusal.message}</p> : null}
          <ol class="plan">
            {data.plan.map((p, i) => (
              <li key={i}>
                <strong>{p.upstream}</strong> <span class="muted">({p.model} as {p.upstreamModel}, ${p.pricing.prompt} / ${p.pricing.completion} per 1M)</span>
                {p.routing ? <span class={`badge ${p.routing === 'panic' ? 'bad' : 'warn'}`}>{p.routing}</span> : null}
                <div class="muted">keys {p.keys.map((k) => `${k.name} (${k.tier})`).join(', ')}, {p.keyStrategy}</div>
              </li>
            ))}
          </ol>
        </>
      )}
      <h3>Decisions</h3>
      <ul class="decisions">
        {data.decisions.map((d, i) => (
          <li key={i} class={d.included ? 'in' : 'out'}>
            <span aria-label={d.included ? 'included' : 'excluded'}>{d.included ? '+' : '−'}</span> {d.upstream} <span class="muted">({d.model})</span>: {d.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}
