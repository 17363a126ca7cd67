/** Finds string literals that look like provider secrets anywhere in a config part (before validation). */
import type { Finding, PathSegment } from './diagnostics.js';

/** Prefixes of provider API keys, followed by enough key-like characters to not be a word. */
const SECRET_PATTERN = /^(sk-ant-|sk-proj-|sk-or-|sk-ar-|sk-|AIza|gsk_|nvapi-|xai-|pplx-|r8_|hf_)[A-Za-z0-9_-]{16,}$/;

export function looksLikeSecret(value: string): boolean {
  return SECRET_PATTERN.test(value.trim());
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
