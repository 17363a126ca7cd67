/**
 * Redaction of text the store keeps: the gateway's own provider key values (always, in every
 * field), and optionally anything that looks like a key, an email address or a phone number.
 * Bodies are capped in UTF-8 bytes after redaction, so a cut never leaves part of a key behind.
 */

const KEY_PREFIXES = 'sk-ant-|sk-proj-|sk-or-|sk-ar-|sk-|AIza|gsk_|nvapi-|xai-|pplx-|r8_|hf_|gh[pousr]_|github_pat_|xox[abprs]-|glpat-';

/** Field names whose values are secrets, matched case-insensitively. */
const SECRET_FIELDS = ['api_key', 'api-key', 'apikey', 'x-api-key', 'x-goog-api-key', 'authorization', 'proxy-authorization', 'access_token', 'access-token', 'secret', 'client_secret', 'password'];

/** One pass over the text; the alternative that matched decides the replacement. */
const SENSITIVE = new RegExp(
  [
    // "api_key": "...", Authorization: Bearer ..., password=... (JSON, headers, query strings)
    `(?<field>["']?(?:${SECRET_FIELDS.map(anyCase).join('|')})["']?\\s*[:=]\\s*)(?<fieldValue>"[^"\\n]{4,}"|'[^'\\n]{4,}'|(?:(?:Bearer|Basic|bearer|basic)\\s+)?[^\\s,;"'}&]{4,})`,
    `(?<bearer>\\b(?:Bearer|Basic)\\s+)[A-Za-z0-9._~+/=-]{8,}`,
    `(?<![A-Za-z0-9_-])(?<key>(?:${KEY_PREFIXES})[A-Za-z0-9_-]{12,}|AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\\.eyJ[A-Za-z0-9_-]{8,}\\.[A-Za-z0-9_-]{8,})`,
    `(?<email>[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,})`,
    // +44 20 7946 0958, +14155550100, (415) 555-0100, 415-555-0100; 8 to 15 digits (checked below),
    // so bare digit runs (ids, timestamps, token counts) stay
    `(?<![\\w+])(?<phone>\\+\\d[\\d .()-]{6,22}\\d|\\(\\d{3}\\)\\s?\\d{3}[.-]\\d{4}|\\d{3}[.-]\\d{3}[.-]\\d{4})(?!\\w)`,
  ].join('|'),
  'g',
);

export const REDACTED_KEY = '[REDACTED:key]';
export const REDACTED_EMAIL = '[REDACTED:email]';
export const REDACTED_PHONE = '[REDACTED:phone]';

/** Replaces key-looking strings, emails and phone numbers. */
export function redactSensitive(text: string): string {
  return text.replace(SENSITIVE, (match: string, ...args: unknown[]) => {
    const groups = args[args.length - 1] as Record<string, string | undefined>;
    if (groups.field !== undefined) {
      const value = groups.fieldValue ?? '';
      const quote = value.startsWith('"') || value.startsWith("'") ? value[0]! : '';
      return `${groups.field}${quote}${REDACTED_KEY}${quote}`;
    }
    if (groups.bearer !== undefined) return `${groups.bearer}${REDACTED_KEY}`;
    if (groups.key !== undefined) return REDACTED_KEY;
    if (groups.email !== undefined) return REDACTED_EMAIL;
    if (groups.phone !== undefined) {
      const digits = groups.phone.replace(/\D/g, '').length;
      return digits >= 8 && digits <= 15 ? REDACTED_PHONE : match;
    }
    return match;
  });
}

/**
 * Removes exact secret values (the provider keys the gateway holds) from text. Values shorter than
 * `minLength` are ignored: they would match ordinary text and are not keys.
 */
export class SecretScrubber {
  private readonly secrets: string[];
  readonly longest: number;
  private readonly shortest: number;

  constructor(secrets: Iterable<string>, minLength = 8) {
    const unique = new Set<string>();
    for (const s of secrets) if (s.length >= minLength) unique.add(s);
    // longest first, so a key that contains another is replaced whole
    this.secrets = [...unique].sort((a, b) => b.length - a.length);
    this.longest = this.secrets[0]?.length ?? 0;
    this.shortest = this.secrets[this.secrets.length - 1]?.length ?? Infinity;
  }

  get size(): number {
    return this.secrets.length;
  }

  /** Length of the longest proper prefix of a secret that `text` ends with (0 if none). */
  trailingPrefixLength(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      for (let k = Math.min(secret.length - 1, text.length); k > longest; k--) {
        if (text.endsWith(secret.slice(0, k))) {
          longest = k;
          break;
        }
      }
    }
    return longest;
  }

  /** `text` holds one of the secrets. */
  foundIn(text: string): boolean {
    if (text.length < this.shortest) return false;
    for (const secret of this.secrets) if (text.includes(secret)) return true;
    return false;
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.secrets) {
      // the replacement has characters keys lack, but loop anyway: no occurrence may survive
      while (out.includes(secret)) out = out.split(secret).join(REDACTED_KEY);
    }
    return out;
  }
}

export interface BodyPolicy {
  /** Redact key-looking strings, emails and phone numbers (known key values are always removed). */
  redact: boolean;
  /** Cap on a stored body, in UTF-8 bytes. */
  maxBytes: number;
}

/** Scrubs known secrets, optionally redacts, then caps; reads only a window a little past the cap. */
export function prepareBody(body: string, policy: BodyPolicy, scrubber?: SecretScrubber): string {
  const maxBytes = Math.max(0, Math.floor(policy.maxBytes));
  // Work on a window: a key that starts before the cap ends inside the margin, so it is seen whole.
  const margin = Math.max(512, (scrubber?.longest ?? 0) * 2);
  const totalBytes = Buffer.byteLength(body, 'utf8');
  let text = body.length > maxBytes + margin ? dropCutToken(body.slice(0, maxBytes + margin), scrubber) : body;
  if (scrubber !== undefined) text = scrubber.scrub(text);
  if (policy.redact) text = redactSensitive(text);
  return capUtf8(text, maxBytes, totalBytes);
}

/**
 * The window may end inside a key; redaction shrinks text, which could pull that cut piece under
 * the cap. Drop a trailing token-like run and any trailing start of a known secret.
 */
function dropCutToken(window: string, scrubber: SecretScrubber | undefined): string {
  let start = window.length;
  while (start > 0 && window.length - start <= MAX_KEY_CHARS && TOKEN_CHAR.test(window[start - 1]!)) start--;
  // a run longer than any key is data (base64 ...), not a key the patterns would have matched whole
  let text = window.length - start <= MAX_KEY_CHARS ? window.slice(0, start) : window;
  if (scrubber !== undefined) text = text.slice(0, text.length - scrubber.trailingPrefixLength(text));
  return text;
}

const TOKEN_CHAR = /[A-Za-z0-9_\-.~+/=]/;
const MAX_KEY_CHARS = 256;

/** Truncates to at most `maxBytes` UTF-8 bytes on a character boundary, with a marker saying so. */
export function capUtf8(text: string, maxBytes: number, originalBytes = Buffer.byteLength(text, 'utf8')): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let end = maxBytes;
  // back up over UTF-8 continuation bytes (10xxxxxx) so no character is split
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return `${bytes.subarray(0, end).toString('utf8')}…[truncated, ${originalBytes} bytes]`;
}

/** `api_key` -> `[aA][pP][iI]_[kK][eE][yY]` (no inline case-insensitive groups in Node 20). */
function anyCase(word: string): string {
  return word.replace(/[a-z]/g, (c) => `[${c}${c.toUpperCase()}]`).replace(/-/g, '\\-');
}
