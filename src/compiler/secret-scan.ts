/** Finds string literals that look like provider secrets anywhere in a config part (before validation). */
import type { Finding, PathSegment } from './diagnostics.js';

/** Prefixes of provider API keys, followed by enough key-like characters to not be a word. */
const SECRET_BODY = '(sk-ant-|sk-proj-|sk-or-|sk-ar-|sk-|AIza|gsk_|nvapi-|xai-|pplx-|r8_|hf_)[A-Za-z0-9_-]{16,}';
const SECRET_PATTERN = new RegExp(`^${SECRET_BODY}$`);
const SECRET_IN_TEXT = new RegExp(`(?<![A-Za-z0-9_-])${SECRET_BODY}(?![A-Za-z0-9_-])`, 'g');

export function looksLikeSecret(value: string): boolean {
  return SECRET_PATTERN.test(value.trim());
}

/** Replaces every secret-looking token in `text` by its prefix, so a diagnostic that quotes a value never prints a key. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_IN_TEXT, (_, prefix: string) => `${prefix}…`);
}

export function scanForSecrets(value: unknown, source: number, path: PathSegment[], findings: Finding[]): void {
  if (typeof value === 'string') {
    if (looksLikeSecret(value)) {
      findings.push({
        severity: 'error',
        code: 'AR209',
        message: `this string looks like a provider secret; never put a key in the config: use env('NAME') in TypeScript or { env: NAME } in YAML`,
        at: { source, path },
      });
    }
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => scanForSecrets(item, source, [...path, i], findings));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) scanForSecrets(item, source, [...path, key], findings);
  }
}
