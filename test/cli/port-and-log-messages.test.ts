/**
 * Messages of the serving and log-reading commands: `serve` on a port something holds says so (with
 * `--workers 2` too, where the workers stop rather than hang) and exits 1; `logs` with filters and no row
 * says that nothing matches rather than that nothing was logged.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRequestStore } from '../../src/runtime/observability/request-store.js';
import { OPENAI_CONFIG, OPENAI_MODELS, removeTempDirs } from '../compiler/support.js';
import { envWithoutKeys, project, requireBuiltCli, runCli } from './support.js';

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

describe.concurrent('anyrouter serve on a port in use', () => {
  let holder: Server;
  let port: number;
  let dir: string;
  beforeAll(async () => {
    holder = createServer();
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
    port = (holder.address() as { port: number }).port;
    dir = await project({ 'anyrouter.config.ts': OPENAI_CONFIG, 'models/openai.yaml': OPENAI_MODELS });
    const build = await runCli(['build'], dir, envWithoutKeys());
    expect(build.code, build.stderr).toBe(0);
  });
  afterAll(() => new Promise<void>((resolve) => holder.close(() => resolve())));

  for (const workers of [[], ['--workers', '2']]) {
    it(`serve --port N ${workers.join(' ')}: says the port is in use and how to pick another, exit 1`, async () => {
      const result = await runCli(['serve', '--host', '127.0.0.1', '--port', String(port), ...workers], dir, envWithoutKeys());
      expect(result.code).toBe(1);
      const inUse = `anyrouter serve: port ${port} on 127.0.0.1 is in use: pick another with --port N (0: any free port), or stop what holds it\n`;
      // said once, by the primary under --workers
      expect(result.stderr.split(inUse).length - 1, result.stderr).toBe(1);
      expect(result.stderr).not.toContain('EADDRINUSE');
    });
  }
});

describe('anyrouter logs with no rows', () => {
  it('says nothing was logged without filters, and that nothing matches with them', async () => {
    const dir = await project({});
    const db = path.join(dir, 'log.db');
    const store = await openRequestStore({ path: db });
    await store.close();
    const all = await runCli(['logs', '--db', db], dir);
    expect(all).toMatchObject({ code: 0, stdout: 'no requests logged yet\n' });
    for (const filters of [['--failed'], ['--model', 'gpt-5.4-mini']]) {
      const filtered = await runCli(['logs', '--db', db, ...filters], dir);
      expect(filtered).toMatchObject({ code: 0, stdout: 'no requests match these filters\n' });
    }
  });
});
