/** Statistics and plain-text tables for the bench output. */

/** Nearest-rank percentile of ascending `sorted` (q in 0..1); NaN when empty. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function median(values: readonly number[]): number {
  return percentile([...values].sort((a, b) => a - b), 0.5);
}

export const fmt = {
  /** Microseconds, e.g. `412 µs`, `1.35 ms`. */
  us(value: number): string {
    if (!Number.isFinite(value)) return 'n/a';
    return Math.abs(value) < 1000 ? `${value.toFixed(0)} µs` : `${(value / 1000).toFixed(2)} ms`;
  },
  /** A signed difference in µs, e.g. `+212 µs`. */
  addUs(value: number): string {
    if (!Number.isFinite(value)) return 'n/a';
    return `${value >= 0 ? '+' : '-'}${fmt.us(Math.abs(value))}`;
  },
  ms(value: number): string {
    return Number.isFinite(value) ? `${value.toFixed(value < 10 ? 2 : 1)} ms` : 'n/a';
  },
  rps(value: number): string {
    return Number.isFinite(value) ? `${Math.round(value).toLocaleString('en-US')}/s` : 'n/a';
  },
  mb(bytes: number): string {
    return Number.isFinite(bytes) ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : 'n/a';
  },
  /** `a / b` as `0.62x`; n/a when b is not positive. */
  ratio(a: number, b: number): string {
    return Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a';
  },
};

/** A left-aligned first column and right-aligned value columns. */
export class Table {
  private readonly rows: string[][] = [];

  constructor(private readonly header: string[]) {}

  row(...cells: string[]): this {
    this.rows.push(cells);
    return this;
  }

  toString(): string {
    const all = [this.header, ...this.rows];
    const widths = this.header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
    const line = (r: string[]) => r.map((cell, i) => (i === 0 ? (cell ?? '').padEnd(widths[i]!) : (cell ?? '').padStart(widths[i]!))).join('   ').trimEnd();
    return [line(this.header), ...this.rows.map(line)].map((l) => `  ${l}`).join('\n');
  }
}
