import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, get, session, whenRefused } from './api.js';
import { href, useRoute, type Route } from './router.js';
import { HealthPage } from './pages/health.js';
import { ModelsPage } from './pages/models.js';
import { RequestDetailPage } from './pages/request-detail.js';
import { RequestsPage } from './pages/requests.js';
import { SignInPage } from './pages/sign-in.js';
import { UsagePage } from './pages/usage.js';
import { ThemeContext, useTheme, type Theme } from './theme.js';
import { ThemeToggle } from './components.js';

const PAGES = [
  { id: 'requests', label: 'Requests' },
  { id: 'usage', label: 'Usage' },
  { id: 'health', label: 'Health' },
  { id: 'models', label: 'Models and routing' },
] as const;

type Access = { kind: 'checking' } | { kind: 'signed-in'; open: boolean } | { kind: 'signed-out'; note?: string };

function App() {
  const route = useRoute();
  const [theme, setTheme] = useTheme();
  const [access, setAccess] = useState<Access>({ kind: 'checking' });

  useEffect(() => {
    whenRefused((error) => {
      session.signOut();
      setAccess({ kind: 'signed-out', note: `The gateway refused the admin key: ${error.message}` });
    });
    const key = session.key();
    // a gateway without any keys opens its admin API on loopback: then there is nothing to sign in with
    get('/api/health', key).then(
      () => setAccess({ kind: 'signed-in', open: key === null }),
      (error: ApiError) => {
        if (key) session.signOut();
        setAccess({ kind: 'signed-out', ...(key || error.status !== 401 ? { note: error.message } : {}) });
      },
    );
  }, []);

  if (access.kind === 'checking') return <p class="loading">Loading…</p>;
  if (access.kind === 'signed-out') return <SignInPage note={access.note} onSignedIn={() => setAccess({ kind: 'signed-in', open: false })} theme={theme} setTheme={setTheme} />;
  return (
    <Shell route={route} theme={theme} setTheme={setTheme} open={access.open} onSignOut={() => {
      session.signOut();
      setAccess({ kind: 'signed-out' });
    }} />
  );
}

function Shell({ route, theme, setTheme, open, onSignOut }: { route: Route; theme: Theme; setTheme: (t: Theme) => void; open: boolean; onSignOut: () => void }) {
  const [page, id] = route.parts;
  const heading = useRef<HTMLDivElement>(null);
  const first = useRef(true);
  // a new view (not the first one, which starts at the top like any page): move focus to its heading, as a
  // page load would put keyboard and screen-reader users at its start
  useEffect(() => {
    if (first.current) first.current = false;
    else heading.current?.querySelector('h1')?.focus();
  }, [page, id]);
  return (
    <ThemeContext.Provider value={theme}>
      <a class="skip" href="#main" onClick={(e) => {
        e.preventDefault();
        heading.current?.querySelector('h1')?.focus();
      }}>Skip to content</a>
      <header class="top">
        <span class="brand">AnyRouter</span>
        <nav aria-label="Dashboard">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={href([p.id])} aria-current={page === p.id ? 'page' : undefined}>{p.label}</a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="actions">
          <ThemeToggle theme={theme} setTheme={setTheme} />
          {open ? <span class="badge warn" title="The gateway has no keys: its admin API is open on loopback">open</span> : <button type="button" onClick={onSignOut}>Sign out</button>}
        </div>
      </header>
      <main id="main" ref={heading}>
        {page === 'requests' && id ? <RequestDetailPage id={id} /> : page === 'usage' ? <UsagePage route={route} /> : page === 'health' ? <HealthPage /> : page === 'models' ? <ModelsPage route={route} /> : <RequestsPage route={route} />}
      </main>
    </ThemeContext.Provider>
  );
}

render(<App />, document.getElementById('app')!);
