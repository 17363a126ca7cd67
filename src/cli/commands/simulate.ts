/**
 * `anyrouter simulate [--requests N] [--model M] [--faults p=429:0.3,...] [--seed S] [--format json] [--min-success X]`:
 * a synthetic workload through the real planner and attempt loop; a CI gate with --min-success.
 */
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import { parseFaults, type Fault } from '../../simulation/fault-spec.js';
import { simulateWorkload, UnroutableModelError, type SimulationReport } from '../../simulation/simulate-workload.js';
import { bundleInputOptions, loadBundleInput } from '../bundle-input.js';
import { UsageError } from '../usage.js';

function numberOption(values: Record<string, string | boolean | undefined>, name: string, fallback: number, check: (n: number) => boolean): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} takes a number, not '${String(raw)}'`);
  return n;
}

/** A fault on a provider the config does not have would test nothing: refuse it, with the likely name. */
function checkFaultProviders(faults: readonly Fault[], providers: readonly string[]): void {
  const known = new Set(providers.map((p) => p.toLowerCase()));
  const unknown = faults.find((f) => !known.has(f.provider.toLowerCase()));
  if (unknown) throw new UsageError(`unknown provider '${unknown.provider}' in --faults${didYouMeanSuffix(unknown.provider, providers)}`, { usage: false });
}

export function formatReport(r: SimulationReport): string {
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  const lines = [
    `requests: ${r.requests}   success: ${pct(r.successRate)} (${r.succeeded} of ${r.requests - r.cutMidStream} not cut mid-stream; ${r.cutMidStream} cut)   attempts/request: ${r.attemptsPerRequest}   panic: ${r.panicRequests}`,
    `simulated latency: p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms   cost: $${r.costUsd.toFixed(4)}   seed: ${r.seed}`,
    'served by upstream:',
    ...Object.entries(r.servedByUpstream).map(([k, v]) => `  ${k.padEnd(24)} ${pct(v)}`),
    'served by key:',
    ...Object.entries(r.servedByKey).map(([k, v]) => `  ${k.padEnd(24)} ${pct(v)}`),
  ];
  if (Object.keys(r.failuresByUpstream).length > 0) {
    lines.push('failed attempts:');
    for (const [p, byClass] of Object.entries(r.failuresByUpstream)) lines.push(`  ${p.padEnd(24)} ${Object.entries(byClass).map(([c, n]) => `${c} x${n}`).join(', ')}`);
  }
  return lines.join('\n');
}

export const simulateCommand = {
  options: {
    ...bundleInputOptions,
    requests: { type: 'string', short: 'n' },
    model: { type: 'string', short: 'm' },
    faults: { type: 'string' },
    seed: { type: 'string' },
    format: { type: 'string' },
    'min-success': { type: 'string' },
    'interval-ms': { type: 'string' },
    concurrency: { type: 'string', short: 'c' },
    'stream-share': { type: 'string' },
    'latency-ms': { type: 'string' },
    'prompt-tokens': { type: 'string' },
    'completion-tokens': { type: 'string' },
  },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`unknown --format '${String(format)}' (text or json)`);
    let faults;
    try {
      faults = parseFaults(values.faults as string | undefined);
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const minSuccess = numberOption(values, 'min-success', 0, (n) => n >= 0 && n <= 1);
    const options = {
      requests: numberOption(values, 'requests', 1000, (n) => Number.isInteger(n) && n > 0),
      ...(typeof values.model === 'string' ? { model: values.model } : {}),
      faults,
      seed: numberOption(values, 'seed', 1, Number.isInteger),
      intervalMs: numberOption(values, 'interval-ms', 100, (n) => n >= 0),
      concurrency: numberOption(values, 'concurrency', 1, (n) => Number.isInteger(n) && n > 0 && n <= 10_000),
      streamShare: numberOption(values, 'stream-share', 0.5, (n) => n >= 0 && n <= 1),
      latencyMs: numberOption(values, 'latency-ms', 400, (n) => n >= 0),
      promptTokens: numberOption(values, 'prompt-tokens', 1000, (n) => n >= 0),
      completionTokens: numberOption(values, 'completion-tokens', 300, (n) => n >= 0),
    };
    const bundle = await loadBundleInput(values);
    if (!bundle) return 1;
    checkFaultProviders(faults, Object.keys(bundle.providers));
    let report: SimulationReport;
    try {
      report = await simulateWorkload(bundle, options);
    } catch (error) {
      if (error instanceof UnroutableModelError) throw new UsageError(error.message, { usage: false });
      process.stderr.write(`anyrouter simulate: ${(error as Error).message}\n`);
      return 1;
    }
    process.stdout.write((format === 'json' ? JSON.stringify(report, null, 2) : formatReport(report)) + '\n');
    if (report.successRate < minSuccess) {
      process.stderr.write(`anyrouter simulate: success ${report.successRate} is below --min-success ${minSuccess}\n`);
      return 1;
    }
    return 0;
  },
} as const;
