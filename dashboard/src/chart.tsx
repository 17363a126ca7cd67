/** One uPlot time-series chart. The instance hangs on its figure (`.uplot`) so a test can read the very data it draws. */
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { cssVar } from './theme.js';

/** Value-axis steps for counts: never a half request. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1e6, 2e6, 5e6, 1e7, 2e7, 5e7, 1e8, 1e9];

export const PALETTE = ['#2f7de1', '#e8833a', '#2aa876', '#d6456b', '#8a63d2', '#c9a227', '#1fa3b8', '#7d7d7d'];

export interface ChartProps {
  id: string;
  title: string;
  /** Seconds since the epoch, ascending. */
  x: number[];
  series: Array<{ label: string; values: Array<number | null>; dash?: boolean; color?: string }>;
  format: (value: number) => string;
  /** The bucket's length in seconds: the time axis pads by one bucket each side (a single bucket still reads as a time). */
  bucketSeconds: number;
  /** Whole numbers only on the value axis (counts). */
  integer?: boolean;
  /** A total shown under the chart (sum of every series); absent for rates and percentiles. */
  total?: string;
  theme: string;
}

export function Chart({ id, title, x, series, format, bucketSeconds, integer, total, theme }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const ink = cssVar('--muted');
    const grid = cssVar('--line');
    const width = Math.max(260, el.clientWidth);
    const plot = new uPlot(
      {
        width,
        height: 200,
        legend: { show: true },
        cursor: { points: { size: 7 } },
        scales: {
          x: { time: true, auto: false, range: [(x[0] ?? 0) - bucketSeconds, (x[x.length - 1] ?? 0) + bucketSeconds] },
          y: { range: (_u, min, max) => [Math.min(0, min), max > 0 ? max * 1.15 : 1] },
        },
        axes: [
          { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } },
          { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid }, size: 76, values: (_u, splits) => splits.map(format), ...(integer ? { incrs: INTEGER_STEPS } : {}) },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label,
            stroke: s.color ?? PALETTE[i % PALETTE.length]!,
            width: 2,
            ...(s.dash ? { dash: [6, 4] } : {}),
            points: { show: true, size: 6 },
            value: (_u: uPlot, v: number | null) => (v === null ? '–' : format(v)),
          })),
        ],
      },
      [x, ...series.map((s) => s.values)],
      el,
    );
    (el as HTMLDivElement & { uplot?: uPlot }).uplot = plot;
    const resize = new ResizeObserver(() => plot.setSize({ width: Math.max(260, el.clientWidth), height: 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [JSON.stringify(x), JSON.stringify(series), theme, bucketSeconds]);
  return (
    <figure class="chart" data-chart={id}>
      <figcaption>
        <span>{title}</span>
        {total !== undefined ? <span class="total" data-total>{total}</span> : null}
      </figcaption>
      <div ref={box} class="plot" role="img" aria-label={`${title} over time${total !== undefined ? `, total ${total}` : ''}; the table below has the figures`} />
    </figure>
  );
}
