/**
 * `anyrouter demo` as a user runs it: a real process in an empty folder, with no provider key in its
 * environment. It answers once it prints its ready line, serves 100 mixed requests (Chat Completions and
 * Messages, JSON and streams, every demo model and the preset) without one failure while its flaky
 * provider fails a share of calls, Claude Code runs a tool turn through it, `anyrouter logs` shows the failovers, SIGTERM exits 0, and the keys it
 * generated for its providers appear nowhere: not in its output, its config or its request log.
 */
import Anthropic from '@anthropic-ai/sdk';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_KEY_PREFIX } from '../../src/demo/start-demo.js';
import { agentWorkspace, runClaude } from '../support/agent-cli.js';

const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));
const MODELS = ['demo/flaky', 'demo/fast', '@preset/demo', 'demo/flaky', 'demo/slow'];
/** A generated provider key: the prefix and 24 url-safe characters. */
const KEY_PATTERN = new RegExp(`${DEMO_KEY_PREFIX}[A-Za-z0-9_-]{24}`);

/** This environment without anything that looks like a credential (provider keys above all). */
function keylessEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL/i.test(name)));
}

let dir: string;
let child: ChildProcess;
let stdout = '';
let stderr = '';
let exited: Promise<number | null>;
let url: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-demo-'));
  child = spawn(process.execPath, [BIN, 'demo', '--port', '0'], { cwd: dir, env: keylessEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const ready = /ready at (http:\/\/\S+)\/v1/.exec(stdout);
      if (ready) resolve(ready[1]!);
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    void exited.then((code) => reject(new Error(`anyrouter demo exited (${code}) before it was ready: ${stderr}`)));
  });
});

afterAll(async () => {
  if (child.exitCode === null) child.kill('SIGKILL');
  await exited;
  await rm(dir, { recursive: true, force: true });
});

const openai = () => new OpenAI({ baseURL: `${url}/v1`, apiKey: 'demo', maxRetries: 0, timeout: 10_000 });
const anthropic = () => new Anthropic({ baseURL: url, apiKey: 'demo', maxRetries: 0, timeout: 10_000 });

/** One request of the mix: protocol and streaming by `i % 4`, the model by `i % 5`; the answer's text. */
async function ask(i: number): Promise<string> {
  const model = MODELS[i % MODELS.length]!;
  const content = `request ${i}`;
  switch (i % 4) {
    case 0:
      return (await openai().chat.completions.create({ model, messages: [{ role: 'user', content }] })).choices[0]!.message.content ?? '';
    case 1: {
      let text = '';
      for await (const chunk of await openai().chat.completions.create({ model, messages: [{ role: 'user', content }], stream: true })) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    }
    case 2:
      return (await anthropic().messages.create({ model, max_tokens: 200, messages: [{ role: 'user', content }] })).content.map((b) => (b.type === 'text' ? b.text : '')).join('');
    default:
      return (await anthropic().messages.stream({ model, max_tokens: 200, messages: [{ role: 'user', content }] }).finalText());
  }
}

describe('anyrouter demo', () => {
  it('answers as soon as it says it is ready, and prints how to use and watch it', async () => {
    const readyAt = performance.now();
    const answer = await openai().chat.completions.create({ model: 'demo/fast', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
    process.stdout.write(`demo: first answer ${Math.round(performance.now() - readyAt)} ms after the ready line\n`);
    expect(answer.response.status).toBe(200);
    expect(answer.data.choices[0]!.message.content).toContain('sim-fast');
    expect(stdout).toContain(`curl ${url}/v1/chat/completions`);
    expect(stdout).toContain(`new OpenAI({ baseURL: '${url}/v1'`);
    expect(stdout).toContain(`ANTHROPIC_BASE_URL=${url}`);
    expect(stdout).toContain(`anyrouter claude --url ${url} --model demo/`);
    expect(stdout).toContain(`${url}/dashboard`);
    expect(stdout).toContain('anyrouter logs --db .anyrouter/demo.db');
  });

  it('serves its dashboard on loopback', async () => {
    const res = await fetch(`${url}/dashboard`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    await res.arrayBuffer();
  });

  it('runs an agent turn through the translation: a tool call to the Anthropic SDK from the OpenAI-compatible provider', async () => {
    const tools: Anthropic.Tool[] = [{ name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }];
    const message = await anthropic().messages.create({ model: 'demo/fast', max_tokens: 200, tools, messages: [{ role: 'user', content: 'Run ls with Bash' }] });
    expect(message.stop_reason).toBe('tool_use');
    expect(message.content.find((b) => b.type === 'tool_use')).toMatchObject({ name: 'Bash', input: { command: expect.any(String) } });
  });

  it('moves demo/balanced traffic to the faster provider once it has measured both', async () => {
    const served: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { response } = await openai().chat.completions.create({ model: 'demo/balanced', messages: [{ role: 'user', content: 'Hello' }] }).withResponse();
      served.push(response.headers.get('x-anyrouter-upstream') ?? '');
    }
    // the first two go to whichever has no latency sample yet; from then on the faster one wins every draw
    expect(new Set(served.slice(0, 2))).toEqual(new Set(['sim-slow', 'sim-fast']));
    expect(served.slice(2)).toEqual(['sim-fast', 'sim-fast', 'sim-fast']);
  });

  it('runs a Claude Code agent turn with a tool call on a model that fails over', { timeout: 120_000 }, async () => {
    const workspace = await agentWorkspace();
    try {
      const run = await runClaude({ baseUrl: url, model: 'demo/flaky', prompt: 'Say hello, then run a command with the Bash tool', workspace, args: ['--allowedTools', 'Bash'], timeoutMs: 90_000 });
      expect(run.result, run.stderr).toMatchObject({ is_error: false, num_turns: 2 });
      // the simulated model asked for `echo "hello from the AnyRouter demo"`; Claude Code ran it and sent back its output
      expect(run.result!.result).toContain('The tool returned: "hello from the AnyRouter demo"');
    } finally {
      await workspace.remove();
    }
  });

  it('serves 100 mixed requests without a failure while the flaky provider fails some of its calls', async () => {
    const answers: string[] = [];
    const next = { i: 0 };
    await Promise.all(
      Array.from({ length: 10 }, async () => {
        for (let i = next.i++; i < 100; i = next.i++) answers[i] = await ask(i);
      }),
    );
    expect(answers).toHaveLength(100);
    for (const text of answers) expect(text).toMatch(/^Hello from the simulated .* provider "sim-(fast|flaky|slow)"/);
  }, 60_000);

  it('stops on SIGTERM with exit 0; the log shows failovers; the generated keys appear nowhere', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM');

    const db = path.join(dir, '.anyrouter', 'demo.db');
    const logs = spawnSync(process.execPath, [BIN, 'logs', '--db', db, '--limit', '200'], { cwd: dir, env: keylessEnv(), encoding: 'utf8' });
    expect(logs.status).toBe(0);
    const rows = logs.stdout.trim().split('\n').slice(1);
    const header = logs.stdout.split('\n')[0]!.trim().split(/\s{2,}/);
    // the attempts column is the chain: `sim-flaky 429 → sim-fast 200` for a failover
    const chains = rows.map((r) => r.trim().split(/\s{2,}/)[header.indexOf('attempts')] ?? '');
    expect(rows.length).toBeGreaterThanOrEqual(102);
    expect(rows.every((r) => /\s200\s/.test(r))).toBe(true);
    const failedOver = chains.filter((c) => c.includes(' → ')).length;
    expect(chains.every((c) => /^sim-\w+ \w+( → (… \d+ more → )?sim-\w+ \w+)*$/.test(c)), chains.join('\n')).toBe(true);
    process.stdout.write(`demo: ${failedOver} of ${rows.length} requests failed over\n`);
    expect(failedOver).toBeGreaterThan(0);

    const config = await readFile(path.join(dir, '.anyrouter', 'demo', 'anyrouter.config.ts'), 'utf8');
    expect(config).toContain('"env": "ANYROUTER_DEMO_FLAKY_KEY"');
    const stored = await Promise.all(['demo.db', 'demo.db-wal'].map((f) => path.join(dir, '.anyrouter', f)).filter((f) => existsSync(f)).map((f) => readFile(f, 'latin1')));
    for (const text of [stdout, stderr, logs.stdout, config, ...stored]) expect(text).not.toMatch(KEY_PATTERN);
  });
});

describe('anyrouter demo usage', () => {
  it('refuses a fault rate outside 0..1 with exit 2, before starting anything', () => {
    const run = spawnSync(process.execPath, [BIN, 'demo', '--fault-rate', '2'], { env: keylessEnv(), encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("--fault-rate takes a share from 0 to 1 (0.3: 30% of calls), not '2'");
  });
});
