/**
 * A logged request's attempts as `anyrouter logs` prints them: the chain in one table cell
 * (`primary 429 → secondary 200`, shortened to fit) and, for `logs --id`, the whole trace.
 */
import type { AttemptTrace, RequestRecord } from '../runtime/observability/request-record.js';
import { clipCell, formatTable } from './request-log-input.js';

/** The widest chain cell; a longer chain keeps its first and last attempts around a count of those left out. */
export const CHAIN_WIDTH = 48;

const ARROW = ' → ';

/** One attempt in a chain: its provider and what came of it (the status, else the error class). */
function link(a: Pick<AttemptTrace, 'provider' | 'status' | 'errorClass' | 'outcome'>): string {
  return `${a.provider} ${a.status ?? a.errorClass ?? a.outcome}`;
}

/** `primary 429 → secondary 200`; past `width` characters, `primary 429 → … 3 more → secondary 200`. */
export function attemptChain(attempts: readonly Pick<AttemptTrace, 'provider' | 'status' | 'errorClass' | 'outcome'>[], width = CHAIN_WIDTH): string {
  if (attempts.length === 0) return '-';
  const links = attempts.map(link);
  const whole = links.join(ARROW);
  if (whole.length <= width || links.length <= 2) return clipCell(whole, width);
  const first = links[0]!;
  const last = links[links.length - 1]!;
  return clipCell(`${first}${ARROW}… ${links.length - 2} more${ARROW}${last}`, width);
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function ms(value: number | undefined): string {
  return value === undefined ? '-' : `${Math.round(value)} ms`;
}

/** Every field of a logged request and a table of its attempts (`anyrouter logs --id`). */
export function formatTrace(record: RequestRecord): string {
  const lines: string[] = [];
  const model = record.servedModel && record.servedModel !== record.requestedModel ? `${record.requestedModel || '-'} -> ${record.servedModel}` : record.requestedModel || '-';
  const app = [record.app.title, record.app.source, record.app.version, record.app.referer].filter((v) => v !== undefined).join(', ');
  lines.push(`request   ${record.id}`);
  lines.push(`time      ${time(record.time)} UTC`);
  lines.push(`key       ${record.gatewayKey ?? '-'}${app ? `   app ${app}` : ''}${record.user !== undefined ? `   user ${record.user}` : ''}`);
  lines.push(`model     ${model}${record.preset ? ` (preset ${record.preset})` : ''}   ${record.protocol}${record.stream ? ', streamed' : ''}`);
  lines.push(`status    ${record.status}${record.errorClass ? ` ${record.errorClass}` : ''}`);
  lines.push(`latency   ${ms(record.latencyMs)}, first byte ${ms(record.ttfbMs)}`);
  if (record.tokens) lines.push(`tokens    ${record.tokens.prompt} prompt (${record.tokens.cached} cached), ${record.tokens.completion} completion (${record.tokens.reasoning} reasoning)`);
  if (record.costUsd !== undefined) lines.push(`cost      $${record.costUsd.toFixed(6)}`);
  lines.push('');
  if (record.attempts.length === 0) {
    lines.push('no upstream attempt: the gateway answered itself');
    return lines.join('\n');
  }
  lines.push(`attempts (${record.attempts.length}):`);
  const header = ['#', 'upstream', 'key', 'status', 'start', 'ms', 'first byte', 'routing', 'moved on because'];
  const rows = record.attempts.map((a, i) => [
    String(i + 1),
    a.upstream,
    `${a.keyName} (${a.keyTier})`,
    [a.status, a.errorClass ?? (a.outcome === 'success' ? undefined : a.outcome)].filter((v) => v !== undefined).join(' ') || '-',
    `+${Math.round(a.startedAt - record.time)} ms`,
    String(Math.round(a.latencyMs)),
    ms(a.ttfbMs),
    a.routing ?? '-',
    a.nextBecause ?? '-',
  ]);
  lines.push(formatTable(header, rows).replace(/^/gm, '  '));
  return lines.join('\n');
}
