/** Pass 5, emit: canonical JSON (sorted keys) with a content hash, byte-identical for the same input. */
import { createHash } from 'node:crypto';
import type { RoutingBundle } from '../bundle/format.js';
import type { UnhashedBundle } from './lower.js';

/** JSON with object keys sorted at every level; arrays keep their (already canonical) order. */
export function canonicalJson(value: unknown, indent = 0): string {
  return JSON.stringify(sortKeys(value), null, indent) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) out[key] = sortKeys(item);
    }
    return out;
  }
  return value;
}

export function emit(bundle: UnhashedBundle): { bundle: RoutingBundle; text: string } {
  const hash = 'sha256:' + createHash('sha256').update(canonicalJson(bundle)).digest('hex');
  const full = { ...bundle, hash } as RoutingBundle;
  return { bundle: full, text: canonicalJson(full, 2) + '\n' };
}
