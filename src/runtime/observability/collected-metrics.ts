/**
 * Counters and histograms that cost a finished request a few map lookups and additions, and that
 * prom-client's registry turns into the Prometheus text at scrape time.
 *
 * prom-client's own `inc()` and `observe()` validate and hash the label object on every call, even
 * through `labels(...)` children: in the gateway that was ~2.5% of the event loop's time and ~4% of
 * what it allocated. Here a series is found through nested maps keyed by the label values themselves
 * (a status stays a number), so counting allocates nothing once a series exists; label objects are
 * made once per series. The registry only reads `name`, `help`, `type` and `get()`.
 */
import type { Metric, Registry } from 'prom-client';

type LabelValue = string | number;
type Labels = Record<string, string>;

interface Series {
  labels: Labels;
}

/** Series of one metric, found by up to three label values. */
class SeriesIndex<S extends Series> {
  readonly all: S[] = [];
  private readonly root = new Map<LabelValue, unknown>();

  constructor(
    private readonly labelNames: readonly string[],
    private readonly make: (labels: Labels) => S,
  ) {
    if (labelNames.length > 3) throw new RangeError('at most three labels');
    // a metric without labels has its one series from the start, at zero, as prom-client's do
    if (labelNames.length === 0) this.add([]);
  }

  get(a?: LabelValue, b?: LabelValue, c?: LabelValue): S {
    const depth = this.labelNames.length;
    if (depth === 0) return this.all[0]!;
    let level = this.root;
    for (let i = 0; i < depth - 1; i++) {
      const key = i === 0 ? a! : b!;
      let next = level.get(key) as Map<LabelValue, unknown> | undefined;
      if (next === undefined) level.set(key, (next = new Map()));
      level = next;
    }
    const last = depth === 1 ? a! : depth === 2 ? b! : c!;
    let series = level.get(last) as S | undefined;
    if (series === undefined) level.set(last, (series = this.add(depth === 1 ? [a!] : depth === 2 ? [a!, b!] : [a!, b!, c!])));
    return series;
  }

  clear(): void {
    this.all.length = 0;
    this.root.clear();
    if (this.labelNames.length === 0) this.add([]);
  }

  private add(values: readonly LabelValue[]): S {
    const labels: Labels = {};
    this.labelNames.forEach((name, i) => (labels[name] = String(values[i])));
    const series = this.make(labels);
    this.all.push(series);
    return series;
  }
}

interface MetricOptions {
  name: string;
  help: string;
  labelNames?: readonly string[];
  registers: readonly Registry[];
}

abstract class CollectedMetric<S extends Series> {
  readonly name: string;
  readonly help: string;
  abstract readonly type: 'counter' | 'histogram';
  protected readonly series: SeriesIndex<S>;

  constructor(options: MetricOptions, make: (labels: Labels) => S) {
    this.name = options.name;
    this.help = options.help;
    this.series = new SeriesIndex(options.labelNames ?? [], make);
    for (const registry of options.registers) registry.registerMetric(this as unknown as Metric);
  }

  /** prom-client's metric shape: what the registry prints. */
  get(): { name: string; help: string; type: string; values: Array<{ labels: Labels; value: number; metricName?: string }>; aggregator: 'sum' } {
    return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: 'sum' };
  }

  reset(): void {
    this.series.clear();
  }

  protected abstract values(): Array<{ labels: Labels; value: number; metricName?: string }>;
}

interface CounterSeries extends Series {
  value: number;
}

export class CollectedCounter extends CollectedMetric<CounterSeries> {
  readonly type = 'counter';

  constructor(options: MetricOptions) {
    super(options, (labels) => ({ labels, value: 0 }));
  }

  /** Adds `by` (default 1) to the series of these label values, in `labelNames` order. */
  inc(a?: LabelValue, b?: LabelValue, c?: LabelValue, by = 1): void {
    this.series.get(a, b, c).value += by;
  }

  protected values() {
    return this.series.all.map((s) => ({ labels: s.labels, value: s.value }));
  }
}

interface HistogramSeries extends Series {
  /** Observations per bucket (not cumulative); the last slot is above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export class CollectedHistogram extends CollectedMetric<HistogramSeries> {
  readonly type = 'histogram';
  private readonly bounds: readonly number[];

  constructor(options: MetricOptions & { buckets: readonly number[] }) {
    const bounds = [...options.buckets].sort((x, y) => x - y);
    super(options, (labels) => ({ labels, counts: new Float64Array(bounds.length + 1), sum: 0, count: 0 }));
    this.bounds = bounds;
  }

  /** Records `value` in the series of these label values (in `labelNames` order; none for an unlabelled histogram). */
  observe(value: number, a?: LabelValue, b?: LabelValue, c?: LabelValue): void {
    if (!Number.isFinite(value)) return;
    const series = this.series.get(a, b, c);
    const bounds = this.bounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]!) i++;
    series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  protected values() {
    const out: Array<{ labels: Labels; value: number; metricName: string }> = [];
    for (const s of this.series.all) {
      let cumulative = 0;
      this.bounds.forEach((bound, i) => {
        cumulative += s.counts[i]!;
        out.push({ labels: { le: String(bound), ...s.labels }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      out.push({ labels: { le: '+Inf', ...s.labels }, value: s.count, metricName: `${this.name}_bucket` });
      out.push({ labels: s.labels, value: s.sum, metricName: `${this.name}_sum` });
      out.push({ labels: s.labels, value: s.count, metricName: `${this.name}_count` });
    }
    return out;
  }
}
