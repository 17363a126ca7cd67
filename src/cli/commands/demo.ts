/** `anyrouter demo [--port N] [--host H] [--fault-rate R]`: the gateway over a simulated catalog, no provider key needed. */
import { cliInvocation } from '../cli-invocation.js';
import { portInUseMessage } from '../port-in-use.js';
import { UsageError } from '../usage.js';

/** The default share of calls the flaky provider fails. */
export const DEFAULT_FAULT_RATE = 0.3;
const DEFAULT_PORT = 8787;

function numberOption(value: string | boolean | undefined, flag: string, valid: (n: number) => boolean, expected: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (typeof value !== 'string' || value.trim() === '' || !valid(n)) throw new UsageError(`${flag} takes ${expected}, not '${String(value)}'`);
  return n;
}

export const demoCommand = {
  options: {
    host: { type: 'string' },
    port: { type: 'string', short: 'p' },
    'fault-rate': { type: 'string' },
  },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const port = numberOption(values.port, '--port', (n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a number from 0 to 65535') ?? DEFAULT_PORT;
    const faultRate = numberOption(values['fault-rate'], '--fault-rate', (n) => n >= 0 && n <= 1, 'a share from 0 to 1 (0.3: 30% of calls)') ?? DEFAULT_FAULT_RATE;
    const host = typeof values.host === 'string' ? values.host : undefined;
    // a signal during start-up stops the demo as soon as it has started
    const stopped = new Promise<string>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    const [{ startDemo }, { demoGuide }] = await Promise.all([import('../../demo/start-demo.js'), import('../../demo/demo-guide.js')]);
    const cwd = process.cwd();
    const demo = await startDemo({ dir: cwd, port, faultRate, ...(host !== undefined ? { host } : {}) }).catch((error: unknown) => {
      const inUse = portInUseMessage(error);
      if (inUse === undefined) throw error;
      process.stderr.write(`anyrouter demo: ${inUse}\n`);
      return undefined;
    });
    if (!demo) return 1;
    const { gateway } = demo;
    process.stdout.write(
      demoGuide({ url: gateway.url, dbPath: demo.dbPath, configPath: demo.configPath, faultRate, cwd, cli: cliInvocation(), ...(gateway.state.dashboardPath !== undefined ? { dashboardPath: gateway.state.dashboardPath } : {}) }) + '\n',
    );
    const signal = await stopped;
    process.stderr.write(`anyrouter demo: ${signal}: stopping the gateway and the simulated providers\n`);
    await demo.close();
    return 0;
  },
} as const;
