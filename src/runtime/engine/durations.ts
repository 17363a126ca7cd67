/** Parsing of the upstream's rate-limit timing headers. */

/** `Retry-After`: delta seconds or an HTTP date; returns ms from `now`, or undefined. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // an HTTP date (IMF-fixdate, e.g. "Wed, 21 Oct 2015 07:28:00 GMT"); anything else is malformed
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** OpenAI's `x-ratelimit-reset-requests` style durations: `1s`, `6m0s`, `20ms`, `1h2m3.5s`; or bare seconds. */
export function parseResetDuration(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  let total = 0;
  let matched = '';
  for (const m of trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched += m[0];
  }
  return matched.length === trimmed.length && matched.length > 0 ? Math.round(total) : undefined;
}

/** How long a key rests after a 429: its `Retry-After`, else OpenAI's `x-ratelimit-reset-requests`, else `fallbackMs`. */
export function rateLimitWait(headers: Readonly<Record<string, string | undefined>>, now: number, fallbackMs: number): number {
  return parseRetryAfter(headers['retry-after'], now) ?? parseResetDuration(headers['x-ratelimit-reset-requests']) ?? fallbackMs;
}
