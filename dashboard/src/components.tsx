import type { ComponentChildren } from 'preact';
import type { ApiError } from './api.js';
import type { Theme } from './theme.js';

export function StatusBadge({ status, failed }: { status: number; failed?: boolean }) {
  const kind = failed || status >= 500 ? 'bad' : status >= 400 ? 'warn' : 'good';
  return <span class={`badge ${kind}`}>{status}</span>;
}

export function StateBadge({ state }: { state: string }) {
  const kind = state === 'healthy' ? 'good' : state === 'missing' ? 'muted' : 'bad';
  return <span class={`badge ${kind}`}>{state}</span>;
}

export function ErrorNote({ error }: { error: ApiError | Error | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error.message}
      {'code' in error ? ` (${error.code})` : ''}
    </p>
  );
}

export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  // scrolls sideways on a narrow screen; focusable so a keyboard can scroll it too
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function ThemeToggle({ theme, setTheme }: { theme: Theme; setTheme: (t: Theme) => void }) {
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button type="button" onClick={() => setTheme(next)} aria-label={`Switch to the ${next} theme`}>
      {theme === 'dark' ? 'Light' : 'Dark'}
    </button>
  );
}

export type Column = ComponentChildren | { label: ComponentChildren; className: string };

/** A table's header row: each name a column header, `{ label, className }` for a numeric (`num`) or styled one. */
export function Columns({ names }: { names: Column[] }) {
  return (
    <thead>
      <tr>
        {names.map((c, i) =>
          typeof c === 'object' && c !== null && 'className' in c ? (
            <th key={i} scope="col" class={c.className}>{c.label}</th>
          ) : (
            <th key={i} scope="col">{c}</th>
          ),
        )}
      </tr>
    </thead>
  );
}
