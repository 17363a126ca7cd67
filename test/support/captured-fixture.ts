/**
 * Requests a real CLI sent, made into decoder fixtures: the temporary workspace path, ids (UUIDs, long hex
 * such as device ids) and every credential-looking header are replaced, and long texts (system prompts,
 * tool descriptions) are cut to their start, so a fixture keeps the request's shape, not its prose.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ProxiedRequest } from './recording-proxy.js';

/** Where captured CLI requests live: test/protocols/fixtures/agents/. */
export const AGENT_FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'protocols', 'fixtures', 'agents');

const LONG_TEXT = 400;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
const LONG_HEX = /\b[0-9a-f]{24,}\b/gi;

export function sanitizeCaptured(value: unknown, workspace: string): unknown {
  if (typeof value === 'string') {
    let text = value.replaceAll(workspace, '/home/agent/project').replace(UUID, '00000000-0000-0000-0000-000000000000').replace(LONG_HEX, (hex) => '0'.repeat(hex.length));
    if (text.length > LONG_TEXT) text = `${text.slice(0, LONG_TEXT - 100)} …[cut from ${text.length} characters]`;
    return text;
  }
  if (Array.isArray(value)) return value.map((item) => sanitizeCaptured(item, workspace));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = sanitizeCaptured(item, workspace);
    return out;
  }
  return value;
}

/** The model requests among what a proxy recorded, sanitized: method, URL and body (no headers: they hold keys). */
export function capturedModelRequests(requests: readonly ProxiedRequest[], workspace: string): Array<{ method: string; url: string; body: unknown }> {
  return requests
    .filter((r) => r.method === 'POST' && /\/(messages|responses|chat\/completions)(\?|$|\/count_tokens)/.test(r.url))
    .map((r) => ({ method: r.method, url: r.url, body: sanitizeCaptured(r.body, workspace) }));
}

/** Writes a fixture only when ANYROUTER_CAPTURE_FIXTURES=1 (regenerating them after a CLI upgrade). */
export async function maybeWriteFixture(name: string, requests: readonly ProxiedRequest[], workspace: string): Promise<void> {
  if (process.env.ANYROUTER_CAPTURE_FIXTURES !== '1') return;
  await mkdir(AGENT_FIXTURES, { recursive: true });
  await writeFile(path.join(AGENT_FIXTURES, `${name}.json`), `${JSON.stringify(capturedModelRequests(requests, workspace), null, 1)}\n`);
}
