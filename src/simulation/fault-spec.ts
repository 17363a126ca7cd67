/**
 * `--faults primary=429:0.3,backup=500:0.1,slow=timeout:0.05,flaky=mix:0.3:1`: what fraction of calls to a
 * provider fail, and how. `mix` spreads its rate evenly over 429 (Retry-After: its last field, default 1 s),
 * 500, 503, timeout, reset and a stream cut after the first chunks.
 */

export type FaultKind = number | 'timeout' | 'reset' | 'connect' | 'cut';

export interface Fault {
  provider: string;
  kind: FaultKind;
  rate: number;
  /** For 429: the Retry-After the simulated upstream sends, in seconds (default 0: an independent per-call limit). */
  retryAfterSeconds: number;
}

/** The kinds a `mix` fault spreads its rate over, in equal shares. */
export const MIX_KINDS: readonly FaultKind[] = [429, 500, 503, 'timeout', 'reset', 'cut'];

export function parseFaults(spec: string | undefined): Fault[] {
  if (spec === undefined || spec.trim() === '') return [];
  return spec.split(',').flatMap((part) => {
    const m = /^([a-z0-9_-]+)=(\d{3}|timeout|reset|connect|cut|mix):(0(?:\.\d+)?|1(?:\.0+)?)(?::(\d+(?:\.\d+)?))?$/i.exec(part.trim());
    if (!m) throw new Error(`bad fault '${part}': expected provider=STATUS|timeout|reset|connect|cut|mix:RATE[:RETRY_AFTER_S], e.g. primary=429:0.3`);
    const provider = m[1]!;
    const rate = Number(m[3]);
    const name = m[2]!.toLowerCase();
    if (name === 'mix') {
      const retryAfterSeconds = m[4] === undefined ? 1 : Number(m[4]);
      // the shares are of all calls: each kind is drawn in turn from what the earlier ones left
      return MIX_KINDS.map((kind, i): Fault => ({ provider, kind, rate: rate / MIX_KINDS.length / (1 - (rate * i) / MIX_KINDS.length), retryAfterSeconds }));
    }
    const kind: FaultKind = /^\d+$/.test(name) ? Number(name) : (name as FaultKind);
    if (typeof kind === 'number' && (kind < 400 || kind > 599)) throw new Error(`bad fault '${part}': a status from 400 to 599`);
    return [{ provider, kind, rate, retryAfterSeconds: m[4] === undefined ? 0 : Number(m[4]) }];
  });
}
