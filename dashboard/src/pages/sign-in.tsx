import { useState } from 'preact/hooks';
import { ApiError, get, session } from '../api.js';
import { ThemeToggle } from '../components.js';
import type { Theme } from '../theme.js';

export function SignInPage({ note, onSignedIn, theme, setTheme }: { note?: string | undefined; onSignedIn: () => void; theme: Theme; setTheme: (t: Theme) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(note);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    try {
      // any admin call proves the key; the page keeps it in this tab only
      await get('/api/health', key.trim());
      session.signIn(key.trim());
      onSignedIn();
    } catch (failure) {
      setError(failure instanceof ApiError && failure.status === 401 ? `The gateway refused this admin key (${failure.code}).` : (failure as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="sign-in" id="main">
      <div class="sign-in-top"><ThemeToggle theme={theme} setTheme={setTheme} /></div>
      <form onSubmit={submit} aria-describedby="sign-in-help">
        <h1>AnyRouter</h1>
        <p id="sign-in-help">Sign in with an admin key (<code>anyrouter keys new NAME --admin</code>). It stays in this browser tab and goes only to this gateway's admin API.</p>
        <label for="admin-key">Admin key</label>
        <input id="admin-key" name="admin-key" type="password" autocomplete="off" required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} aria-invalid={error ? 'true' : undefined} />
        <button type="submit" disabled={busy || key.trim() === ''}>Sign in</button>
        {error ? <p class="error" role="alert">{error}</p> : null}
      </form>
    </main>
  );
}
