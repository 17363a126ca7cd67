import { UsageError } from '../usage.js';

export const serveCommand = {
  options: { bundle: { type: 'string' }, config: { type: 'string', short: 'c' }, host: { type: 'string' }, port: { type: 'string' } },
  async run(): Promise<number> {
    throw new UsageError('serve is not built yet');
  },
} as const;
