import type { RoutingBundle } from '../../bundle/format.js';
import { readBundle } from '../../runtime/bundle-file.js';
import { startGateway } from '../../runtime/server.js';
import { UsageError } from '../usage.js';
import { DEFAULT_BUNDLE } from './build.js';

async function loadBundle(values: Record<string, string | boolean | undefined>): Promise<RoutingBundle | undefined> {
  if (typeof values.bundle === 'string' && typeof values.config === 'string') throw new UsageError('give --bundle or --config, not both');
  if (typeof values.config === 'string') {
    // compiling in memory loads the compiler; serving a bundle does not
    const { compile } = await import('../../compiler/compile.js');
    const { hasErrors } = await import('../../compiler/diagnostics.js');
    const { reportDiagnostics } = await import('../report-diagnostics.js');
    const result = await compile(values.config);
    reportDiagnostics(result.diagnostics, 'text');
    return hasErrors(result.diagnostics) ? undefined : result.bundle;
  }
  return readBundle(typeof values.bundle === 'string' ? values.bundle : DEFAULT_BUNDLE);
}

export const serveCommand = {
  options: { bundle: { type: 'string', short: 'b' }, config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string', short: 'p' } },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    let port: number | undefined;
    if (typeof values.port === 'string') {
      port = Number(values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a number from 0 to 65535, not '${values.port}'`);
    }
    const bundle = await loadBundle(values);
    if (!bundle) return 1;
    const gateway = await startGateway({ bundle, ...(typeof values.host === 'string' ? { host: values.host } : {}), ...(port !== undefined ? { port } : {}) });
    process.stderr.write(`anyrouter: serving ${bundle.models.length} models at ${gateway.url}/v1 (bundle ${bundle.hash.slice(0, 19)})\n`);
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`anyrouter: ${signal}: draining in-flight requests\n`);
        gateway.close().then(resolve, resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
    return 0;
  },
} as const;
