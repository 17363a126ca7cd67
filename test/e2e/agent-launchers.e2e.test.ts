/**
 * `anyrouter claude` and `anyrouter codex` as a user runs them: bin/anyrouter.js in a temporary HOME and
 * working directory, with a config whose providers point at mock upstreams. The launcher compiles it,
 * starts a gateway on a free port, checks `--model`, runs the real CLI (found in the package's own
 * node_modules/.bin: PATH holds only the system folders) through it for one turn, and stops the gateway.
 * A stand-in CLI (a shell script) shows what the launcher hands over: environment, arguments, exit code
 * and a forwarded SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelInput } from '../../src/index.js';
import { CLAUDE_QUIET_ENV, agentWorkspace, runCli, withClaudeResult, type AgentWorkspace, type CliRun } from '../support/agent-cli.js';
import { chatModel, envName, provider, type GatewayConfig, type GatewayFixture } from './harness.js';
import { anthropicProvider, useProtocolE2E } from './protocols-harness.js';

const e2e = useProtocolE2E();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));
const NATIVE = 'agents/native';
const TRANSLATED = 'agents/translated';
const CLI_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 90_000;
/** PATH without node_modules/.bin: the launcher must find the CLIs itself. */
const SYSTEM_PATH = '/usr/local/bin:/usr/bin:/bin';

/** The user's own agent configuration, which a launch must leave byte for byte as it was. */
const USER_FILES: Record<string, string> = {
  '.claude/settings.json': '{ "theme": "dark", "env": { "MY_SETTING": "1" } }\n',
  '.codex/config.toml': 'model = "gpt-5-codex"\nmodel_reasoning_effort = "low"\n\n[analytics]\nenabled = false\n',
  '.codex/auth.json': '{ "OPENAI_API_KEY": "sk-users-own-key-not-for-the-gateway" }\n',
};

interface Setup {
  gw: GatewayFixture;
  workspace: AgentWorkspace;
  anthropic: Awaited<ReturnType<typeof e2e.anthropicMock>>;
  openai: Awaited<ReturnType<typeof e2e.mock>>;
}

/** A pool and a preset over the translated model, for names GET /v1/models does not list. */
const POOL_AND_PRESET: Partial<GatewayConfig> = { pools: { 'agents/pool': { members: [TRANSLATED] } }, presets: [{ name: 'agentic', model: TRANSLATED }] };
const GATEWAY_KEY = 'sk-ar-launcher-e2e-0123456789abcdef';

/** `env` overrides the gateway's (and the launcher's) environment: `''` leaves a provider key unset. */
async function setup(extra: Partial<GatewayConfig> = {}, env: Record<string, string> = {}): Promise<Setup> {
  const anthropic = await e2e.anthropicMock({ default: { content: 'Hello from the Anthropic mock.' } });
  const openai = await e2e.mock({ default: { content: 'Hello from the OpenAI mock.' } });
  const models: ModelInput[] = [chatModel(['claude'], NATIVE, []), chatModel(['openai'], TRANSLATED, ['translated'])].map((m) => ({ ...m, context: 200_000, capabilities: ['tools', 'streaming'] }));
  const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', anthropic), openai: provider('openai', openai) }, models, routing: { requestTimeoutMs: 30_000, firstByteTimeoutMs: 20_000 }, ...extra }, env);
  const workspace = await agentWorkspace();
  for (const [name, text] of Object.entries(USER_FILES)) {
    await mkdir(path.dirname(path.join(workspace.dir, name)), { recursive: true });
    await writeFile(path.join(workspace.dir, name), text);
  }
  cleanups.push(() => workspace.remove());
  return { gw, workspace, anthropic, openai };
}

/** `anyrouter ARGS` in the workspace (its HOME and cwd), with the provider keys in the environment. */
function anyrouter(s: Setup, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(process.execPath, [BIN, ...args], { HOME: s.workspace.dir, PATH: SYSTEM_PATH, ...s.gw.env, ...CLAUDE_QUIET_ENV, ...env }, s.workspace.dir, CLI_TIMEOUT_MS);
}

async function expectUserFilesUnchanged(s: Setup): Promise<void> {
  for (const [name, text] of Object.entries(USER_FILES)) expect(await readFile(path.join(s.workspace.dir, name), 'utf8'), name).toBe(text);
  // and no configuration file of either agent was added next to them
  expect((await readdir(path.join(s.workspace.dir, '.claude'))).filter((f) => f.startsWith('settings'))).toEqual(['settings.json']);
  expect((await readdir(path.join(s.workspace.dir, '.codex'))).filter((f) => f.endsWith('.toml') || f === 'auth.json').sort()).toEqual(['auth.json', 'config.toml']);
}

describe('anyrouter claude', () => {
  it('starts a gateway from --config, runs `claude -p` through it for one turn, leaves ~/.claude as it was', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const run = withClaudeResult(await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', 'translated', '--', '-p', 'Say hello', '--output-format', 'json']));
    expect(run.result, run.stderr).toMatchObject({ is_error: false, result: 'Hello from the OpenAI mock.' });
    expect(run.code).toBe(0);
    // every call Claude Code made went to the alias given, gateway key and model included
    expect(s.openai.requests.length).toBeGreaterThan(0);
    expect(s.anthropic.requests).toHaveLength(0);
    await expectUserFilesUnchanged(s);
  });

  it('with --url, runs against a gateway already running (the model checked against its GET /v1/models)', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const run = withClaudeResult(await anyrouter(s, ['claude', '--url', `${s.gw.url}/v1/`, '--model', NATIVE, '--', '-p', 'Say hello', '--output-format', 'json']));
    expect(run.result, run.stderr).toMatchObject({ is_error: false, result: 'Hello from the Anthropic mock.' });
    expect(run.stderr).toContain(`Claude Code -> ${s.gw.url}`);
  });

  it('refuses an unknown --model with a did-you-mean and exit 2, before running the CLI, locally and with --url', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const local = await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', 'agents/nativ', '--', '-p', 'Say hello']);
    expect(local.code).toBe(2);
    expect(local.stderr).toContain("(did you mean 'agents/native'?)");
    const remote = await anyrouter(s, ['claude', '--url', s.gw.url, '--model', 'translatd', '--', '-p', 'Say hello']);
    expect(remote.code).toBe(2);
    expect(remote.stderr).toContain("(did you mean 'translated'?)");
    expect(s.openai.requests).toHaveLength(0);
  });
});

describe('anyrouter codex', () => {
  it('starts a gateway from --config, runs `codex exec` through it with -c overrides only, leaves ~/.codex as it was', { timeout: TEST_TIMEOUT_MS }, async () => {
    const s = await setup();
    const run = await anyrouter(s, ['codex', '--config', s.gw.configPath, '--model', TRANSLATED, '--effort', 'high', '--', 'exec', '--skip-git-repo-check', '--color', 'never', 'Say hello']);
    expect(run.stdout, run.stderr).toContain('Hello from the OpenAI mock.');
    expect(run.code).toBe(0);
    const body = s.openai.requests[0]!.body as { model: string; reasoning_effort?: string };
    expect(body.model).toBe('openai-model');
    // the user's config.toml says low; --effort high wins on the command line
    expect(body.reasoning_effort).toBe('high');
    // the gateway key went as the provider's env_key, not the user's own OpenAI key
    expect(JSON.stringify(s.openai.requests.map((r) => r.headers))).not.toContain('sk-users-own-key');
    await expectUserFilesUnchanged(s);
  });
});

/** A stand-in agent CLI: prints its arguments and the variables the launcher sets, then waits or exits. */
async function fakeCli(s: Setup, script: string): Promise<string> {
  const file = path.join(s.workspace.dir, 'fake-agent');
  await writeFile(file, `#!/bin/sh\n${script}\n`);
  await chmod(file, 0o755);
  return file;
}

const PRINT = 'printf "arg=%s\\n" "$@"; env | grep -E "^(ANTHROPIC_|ANYROUTER_)" | sort';

describe('what the launcher hands the CLI', () => {
  it('claude: base URL without /v1, the gateway key as a token, the model in every slot the user left empty; ARGS and the exit code pass through', async () => {
    const s = await setup();
    const bin = await fakeCli(s, `${PRINT}; exit 3`);
    const run = await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', NATIVE, '--', '--resume', 'a b'], { ANYROUTER_CLAUDE_BIN: bin, ANTHROPIC_API_KEY: 'sk-ant-users-own', ANTHROPIC_SMALL_FAST_MODEL: 'translated' });
    expect(run.code, run.stderr).toBe(3);
    const lines = run.stdout.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('arg='))).toEqual(['arg=--resume', 'arg=a b']);
    const vars = Object.fromEntries(lines.filter((l) => !l.startsWith('arg=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    expect(vars.ANTHROPIC_BASE_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(vars).toMatchObject({
      ANTHROPIC_AUTH_TOKEN: 'anyrouter-no-gateway-key',
      ANTHROPIC_MODEL: NATIVE,
      ANTHROPIC_SMALL_FAST_MODEL: 'translated',
      ANTHROPIC_DEFAULT_HAIKU_MODEL: NATIVE,
      ANTHROPIC_DEFAULT_SONNET_MODEL: NATIVE,
      ANTHROPIC_DEFAULT_OPUS_MODEL: NATIVE,
    });
    expect(vars.ANTHROPIC_API_KEY).toBeUndefined();
  });

  it('codex: -c overrides for the provider, model and effort before ARGS; ANYROUTER_API_KEY passed on', async () => {
    const s = await setup();
    const bin = await fakeCli(s, PRINT);
    const run = await anyrouter(s, ['codex', '--url', s.gw.url, '--model', TRANSLATED, '-e', 'medium', '--', 'exec', 'hi'], { ANYROUTER_CODEX_BIN: bin, ANYROUTER_API_KEY: 'sk-ar-test' });
    expect(run.code, run.stderr).toBe(0);
    const args = run.stdout.split('\n').filter((l) => l.startsWith('arg=')).map((l) => l.slice(4));
    expect(args).toEqual([
      '-c', 'model_provider="anyrouter"',
      '-c', 'model_providers.anyrouter.name="AnyRouter"',
      '-c', `model_providers.anyrouter.base_url="${s.gw.url}/v1"`,
      '-c', 'model_providers.anyrouter.wire_api="responses"',
      '-c', 'model_providers.anyrouter.env_key="ANYROUTER_API_KEY"',
      '-c', `model="${TRANSLATED}"`,
      '-c', 'model_reasoning_effort="medium"',
      'exec', 'hi',
    ]);
    expect(run.stdout).toContain('ANYROUTER_API_KEY=sk-ar-test');
  });

  it("withholds the gateway's credentials from the CLI: every variable its bundle reads and the usual provider keys", async () => {
    const s = await setup();
    const bin = await fakeCli(s, 'env');
    const secrets = { OPENAI_API_KEY: 'sk-users-openai-0000', GROQ_API_KEY: 'gsk-users-groq-0000' };
    for (const agent of ['claude', 'codex']) {
      const run = await anyrouter(s, [agent, '--config', s.gw.configPath, '--model', NATIVE], { [agent === 'claude' ? 'ANYROUTER_CLAUDE_BIN' : 'ANYROUTER_CODEX_BIN']: bin, ...secrets, MY_OWN_SETTING: 'kept' });
      expect(run.code, run.stderr).toBe(0);
      const names = Object.keys(s.gw.env);
      expect(names.length).toBeGreaterThan(0);
      for (const [name, value] of [...Object.entries(s.gw.env), ...Object.entries(secrets)]) {
        expect(run.stdout, name).not.toContain(`${name}=`);
        expect(run.stdout, name).not.toContain(value);
      }
      expect(run.stdout).toContain('MY_OWN_SETTING=kept');
      // the names (never the values) are said, so a user missing one knows why
      expect(run.stderr).toContain('OPENAI_API_KEY');
      expect(run.stderr).not.toContain('sk-users-openai-0000');
    }
  });

  it('forwards SIGTERM to the CLI, exits with its code and stops the gateway it started', async () => {
    const s = await setup();
    const bin = await fakeCli(s, `trap 'echo got-term; exit 42' TERM\necho "ready $ANTHROPIC_BASE_URL"\nwhile :; do sleep 0.1; done`);
    const child = spawn(process.execPath, [BIN, 'claude', '--config', s.gw.configPath], { cwd: s.workspace.dir, env: { HOME: s.workspace.dir, PATH: SYSTEM_PATH, ...s.gw.env, ANYROUTER_CLAUDE_BIN: bin }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const ready = new Promise<string>((resolve) =>
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
        const m = /ready (\S+)/.exec(stdout);
        if (m) resolve(m[1]!);
      }),
    );
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const gatewayUrl = await ready;
    expect((await fetch(`${gatewayUrl}/health`)).status).toBe(200);
    child.kill('SIGTERM');
    expect(await exited).toBe(42);
    expect(stdout).toContain('got-term');
    await expect(fetch(`${gatewayUrl}/health`)).rejects.toThrow();
  });

  it('virtual pools and presets (not in GET /v1/models) are checked by the gateway itself, with its did-you-mean', async () => {
    const s = await setup(POOL_AND_PRESET);
    const bin = await fakeCli(s, 'exit 0');
    for (const model of ['agents/pool', '@preset/agentic', `${TRANSLATED}@preset/agentic`, 'translated:floor']) {
      const run = await anyrouter(s, ['claude', '--url', s.gw.url, '--model', model], { ANYROUTER_CLAUDE_BIN: bin });
      expect(run.code, `${model}: ${run.stderr}`).toBe(0);
    }
    const typo = await anyrouter(s, ['claude', '--url', s.gw.url, '--model', '@preset/agentc'], { ANYROUTER_CLAUDE_BIN: bin });
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("(did you mean 'agentic'?)");
    expect(s.openai.requests).toHaveLength(0);
  });

  it('a model none of whose upstreams has a key: exit 2 with the gateway\'s message before the CLI runs, from the bundle and environment locally, asked of the gateway with --url', async () => {
    const openaiKey = envName('openai', 'main');
    const s = await setup(POOL_AND_PRESET, { [openaiKey]: '' });
    const bin = await fakeCli(s, 'echo agent-ran');
    const refusal = `no upstream of '${TRANSLATED}' has a key: set ${openaiKey} in the gateway's environment`;
    for (const [agent, variable] of [['claude', 'ANYROUTER_CLAUDE_BIN'], ['codex', 'ANYROUTER_CODEX_BIN']] as const) {
      const local = await anyrouter(s, [agent, '--config', s.gw.configPath, '--model', TRANSLATED], { [variable]: bin });
      expect(local.code, local.stderr).toBe(2);
      expect(local.stderr).toContain(refusal);
      expect(local.stderr).toContain(`anyrouter models --for ${agent}`);
      for (const model of ['translated', `${TRANSLATED}@preset/agentic`, '@preset/agentic']) {
        const remote = await anyrouter(s, [agent, '--url', s.gw.url, '--model', model], { [variable]: bin });
        expect(remote.code, `${model}: ${remote.stderr}`).toBe(2);
        expect(remote.stderr).toContain(refusal);
        expect(remote.stdout).not.toContain('agent-ran');
      }
      const pool = await anyrouter(s, [agent, '--url', s.gw.url, '--model', 'agents/pool'], { [variable]: bin });
      expect(pool.code, pool.stderr).toBe(2);
      expect(pool.stderr).toContain("virtual model 'agents/pool' has no member whose provider has a key");
      expect(local.stdout + pool.stdout).not.toContain('agent-ran');
    }
    // a model with a key still starts, both ways
    const served = await anyrouter(s, ['claude', '--url', s.gw.url, '--model', NATIVE], { ANYROUTER_CLAUDE_BIN: bin });
    expect(served.code, served.stderr).toBe(0);
    expect(served.stdout).toContain('agent-ran');
    const started = await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', NATIVE], { ANYROUTER_CLAUDE_BIN: bin });
    expect(started.code, started.stderr).toBe(0);
    expect(s.openai.requests).toHaveLength(0);
  });

  it('a gateway with gateway keys: ANYROUTER_API_KEY is required, handed to the CLI, and a wrong one is refused', async () => {
    const s = await setup({ auth: { gatewayKeys: [{ name: 'dev', sha256: createHash('sha256').update(GATEWAY_KEY).digest('hex') }] } });
    const bin = await fakeCli(s, PRINT);
    const without = await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', NATIVE], { ANYROUTER_CLAUDE_BIN: bin });
    expect(without.code).toBe(2);
    expect(without.stderr).toContain('set ANYROUTER_API_KEY');
    const keyed = await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', NATIVE], { ANYROUTER_CLAUDE_BIN: bin, ANYROUTER_API_KEY: GATEWAY_KEY });
    expect(keyed.code, keyed.stderr).toBe(0);
    expect(keyed.stdout).toContain(`ANTHROPIC_AUTH_TOKEN=${GATEWAY_KEY}`);
    const wrong = await anyrouter(s, ['claude', '--url', s.gw.url, '--model', NATIVE], { ANYROUTER_CLAUDE_BIN: bin, ANYROUTER_API_KEY: 'sk-ar-wrong' });
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('refused the gateway key (401)');
    // the key never shows in what the launcher prints
    expect(keyed.stderr + wrong.stderr).not.toContain(GATEWAY_KEY);
  });

  it('a CLI that is not installed: the install line on stderr, exit 127, no gateway left running', async () => {
    const s = await setup();
    const claude = await anyrouter(s, ['claude', '--config', s.gw.configPath, '--model', NATIVE], { ANYROUTER_CLAUDE_BIN: path.join(s.workspace.dir, 'no-such-claude') });
    expect(claude.code).toBe(127);
    expect(claude.stderr).toContain('Claude Code is not installed');
    expect(claude.stderr).toContain('npm i -g @anthropic-ai/claude-code');
    const codex = await anyrouter(s, ['codex', '--url', s.gw.url], { ANYROUTER_CODEX_BIN: path.join(s.workspace.dir, 'no-such-codex') });
    expect(codex.code).toBe(127);
    expect(codex.stderr).toContain('npm i -g @openai/codex');
  });

  it('no --config, --bundle or --url, and no anyrouter.config.ts in the folder: says what to give, exit 2', async () => {
    const s = await setup();
    const run = await anyrouter(s, ['claude', '--model', NATIVE]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('there is no anyrouter.config.ts here: give --config F or --bundle F to start a gateway from, or --url of a running one');
  });
});
