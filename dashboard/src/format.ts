/** How figures read on the page. */
export const ms = (value: number | undefined | null): string => (value === undefined || value === null ? '–' : value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${Math.round(value)} ms`);

export const usd = (value: number | undefined | null): string => {
  if (value === undefined || value === null) return '–';
  if (value === 0) return '$0';
  return value < 0.01 ? `$${value.toPrecision(2)}` : `$${value.toFixed(value < 10 ? 4 : 2)}`;
};

export const count = (value: number | undefined | null): string => (value === undefined || value === null ? '–' : value.toLocaleString('en-US'));

export const percent = (value: number): string => `${(value * 100).toFixed(value > 0 && value < 0.01 ? 2 : 1)}%`;

export const clockTime = (t: number): string => new Date(t).toLocaleTimeString('en-GB', { hour12: false });

export const dateTime = (t: number | string): string => {
  const d = new Date(t);
  return `${d.toLocaleDateString('en-CA')} ${d.toLocaleTimeString('en-GB', { hour12: false })}`;
};

/** A countdown such as `1m 05s`, or `now` once it is over. */
export function countdown(msLeft: number): string {
  if (msLeft <= 0) return 'now';
  const s = Math.ceil(msLeft / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}
