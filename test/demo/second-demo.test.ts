/**
 * Two demos in one folder: the second, on the first's port, fails with EADDRINUSE before it writes
 * anything, so the running demo's config stays as it was (no stray file beside it) and it keeps answering.
 */
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { startDemo, type RunningDemo } from '../../src/demo/start-demo.js';

const running: RunningDemo[] = [];
const dirs: string[] = [];
afterAll(async () => {
  for (const demo of running) await demo.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('a second demo in the same folder', () => {
  it('fails on the taken port without touching the running demo or its config', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-demo-twice-'));
    dirs.push(dir);
    const log = () => undefined;
    const first = await startDemo({ dir, port: 0, faultRate: 0, log });
    running.push(first);
    const before = { text: await readFile(first.configPath, 'utf8'), mtime: (await stat(first.configPath)).mtimeMs };

    const second = await startDemo({ dir, port: first.gateway.port, faultRate: 0, log }).then(
      (demo) => {
        running.push(demo);
        return undefined;
      },
      (error: unknown) => error as NodeJS.ErrnoException,
    );
    expect(second?.code).toBe('EADDRINUSE');

    expect(await readFile(first.configPath, 'utf8')).toBe(before.text);
    expect((await stat(first.configPath)).mtimeMs).toBe(before.mtime);
    expect(await readdir(path.dirname(first.configPath))).toEqual(['anyrouter.config.ts']);
    const client = new OpenAI({ baseURL: `${first.gateway.url}/v1`, apiKey: 'demo' });
    const answer = await client.chat.completions.create({ model: 'demo/fast', messages: [{ role: 'user', content: 'Hello' }] });
    expect(answer.choices[0]?.message.content).toBeTruthy();
  });
});
