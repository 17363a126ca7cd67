/**
 * `anyrouter simulate` names what it cannot use: a --model outside the catalog (or an unknown preset) and a
 * --faults provider the config does not have are usage errors (exit 2, with the likely name), never a stack
 * trace and never a run that tests nothing and reports 100%.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventClock } from '../../src/simulation/event-clock.js';
import { simulateWorkload, UnroutableModelError } from '../../src/simulation/simulate-workload.js';
import { handModel, handProvider, handWorld } from '../policy/arbitraries.js';
import { OPENAI_CONFIG, OPENAI_MODELS, removeTempDirs } from '../compiler/support.js';
import { envWithoutKeys, project, requireBuiltCli, runCli } from './support.js';

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

/** A stack frame line, as Node prints an uncaught error. */
const STACK_LINE = /^\s+at .+:\d+:\d+\)?$/m;

const tree = { 'anyrouter.config.ts': OPENAI_CONFIG, 'models/openai.yaml': OPENAI_MODELS };

describe.concurrent('anyrouter simulate (CLI)', () => {
  const cases: Array<[string[], string]> = [
    [['--model', 'gpt-5.4-mimi'], "model 'gpt-5.4-mimi' is not in this gateway's catalog (did you mean 'gpt-5.4-mini'?)"],
    [['--model', '@preset/nope'], "preset 'nope' does not exist"],
    [['--faults', 'opnai=429:0.3'], "unknown provider 'opnai' in --faults (did you mean 'openai'?)"],
    [['--faults', 'openai=429:0.3,anthropic=500:0.1', '--min-success', '0.9'], "unknown provider 'anthropic' in --faults"],
  ];
  for (const [args, message] of cases) {
    it(`simulate ${args.join(' ')}: one line, exit 2`, async () => {
      const result = await runCli(['simulate', '--requests', '200', ...args], await project(tree), envWithoutKeys());
      expect(result.stderr).toBe(`anyrouter simulate: ${message}\n`);
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stdout).toBe('');
      expect(result.code).toBe(2);
    });
  }

  it('a fault on a provider of the config (any case) runs and gates on --min-success', async () => {
    const dir = await project(tree);
    const ok = await runCli(['simulate', '--requests', '200', '--model', 'gpt-5.4-mini', '--faults', 'OpenAI=429:0.3', '--format', 'json'], dir, envWithoutKeys());
    expect(ok.code, ok.stderr).toBe(0);
    const report = JSON.parse(ok.stdout) as { failuresByUpstream: Record<string, Record<string, number>> };
    expect(report.failuresByUpstream.openai?.http_429).toBeGreaterThan(0);
    const gated = await runCli(['simulate', '--requests', '200', '--faults', 'openai=500:1', '--min-success', '0.5'], dir, envWithoutKeys());
    expect(gated.code).toBe(1);
    expect(gated.stderr).toContain('is below --min-success 0.5');
  });
});

describe('a simulation that cannot run', () => {
  const world = handWorld({ providers: [handProvider('primary')], models: [handModel('test/m', ['primary'])] });

  it('rejects before the first request with UnroutableModelError for a model outside the catalog', async () => {
    const run = simulateWorkload(world.bundle, { requests: 10, model: 'test/n', faults: [], seed: 1, intervalMs: 10, latencyMs: 10, promptTokens: 1, completionTokens: 1 });
    await expect(run).rejects.toBeInstanceOf(UnroutableModelError);
    await expect(run).rejects.toThrow("model 'test/n' is not in this gateway's catalog (did you mean 'test/m'?)");
  });

  it('EventClock.run rejects with the error of a task that throws, with others still waiting on the clock', async () => {
    const clock = new EventClock(0);
    const waiting = (async () => {
      await clock.sleep(1_000);
      await clock.sleep(1_000);
    })();
    const failing = (async () => {
      await clock.sleep(10);
      throw new Error('task failed');
    })();
    await expect(clock.run([waiting, failing])).rejects.toThrow('task failed');
  });
});
