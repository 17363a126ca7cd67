/** `--faults primary=429:0.3,backup=500:0.1,slow=timeout:0.05`: what fraction of calls to a provider fail, and how. */

export type FaultKind = number | 'timeout' | 'reset' | 'connect';

export interface Fault {
  provider: string;
  kind: FaultKind;
  rate: number;
  /** For 429: the Retry-After the simulated upstream sends, in seconds (default 0: an independent per-call limit). */
  retryAfterSeconds: number;
}

export function parseFaults(spec: string | undefined): Fault[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec.split(',').map((part) => {
    const m = /^([a-z0-9_-]+)=(\d{3}|timeout|reset|connect):(0(?:\.\d+)?|1(?:\.0+)?)(?::(\d+(?:\.\d+)?))?$/i.exec(part.trim());
    if (!m) throw new Error(`bad fault '${part}': expected provider=STATUS|timeout|reset|connect:RATE[:RETRY_AFTER_S], e.g. primary=429:0.3`);
    const kind: FaultKind = /^\d+$/.test(m[2]!) ? Number(m[2]) : (m[2]!.toLowerCase() as FaultKind);
    if (typeof kind === 'number' && (kind < 400 || kind > 599)) throw new Error(`bad fault '${part}': a status from 400 to 599`);
    return { provider: m[1]!, kind, rate: Number(m[3]), retryAfterSeconds: m[4] === undefined ? 0 : Number(m[4]) };
  });
}
