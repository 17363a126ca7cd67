/**
 * Runs the real coding-agent CLIs installed as dev dependencies (`@anthropic-ai/claude-code`'s `claude`,
 * `@openai/codex`'s `codex`, both native binaries shipped inside their npm packages) against a gateway,
 * in a temporary HOME (and CODEX_HOME) with telemetry, auto-update and other outside traffic off, and a
 * hard timeout. Nothing here reads or writes the user's own agent configuration.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);

export interface CliRun {
  /** Exit code, or null when the run was killed at its timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** A temporary directory the CLI runs in (its HOME and working directory), removed by `remove()`. */
export interface AgentWorkspace {
  dir: string;
  remove(): Promise<void>;
}

export async function agentWorkspace(files: Record<string, string> = {}): Promise<AgentWorkspace> {
  const dir = await mkdtemp(path.join(tmpdir(), 'anyrouter-agent-'));
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** The path of an installed CLI's executable, from its package's `bin`. */
export function cliPath(packageName: string, binName: string): string {
  const manifestPath = require.resolve(`${packageName}/package.json`);
  const manifest = require(manifestPath) as { bin: Record<string, string> | string };
  const bin = typeof manifest.bin === 'string' ? manifest.bin : manifest.bin[binName]!;
  return path.join(path.dirname(manifestPath), bin);
}

/** Runs `command` in `cwd` with only PATH, LANG and `env` in its environment, killed at `timeoutMs`. */
export function runCli(command: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: null, stdout, stderr: `${stderr}${error.message}`, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
  });
}

export interface ClaudeResult extends CliRun {
  /** The `--output-format json` result object, when the CLI printed one. */
  result?: { is_error: boolean; result: string; num_turns: number; subtype: string };
}

/** `claude -p PROMPT --output-format json --model MODEL` with ANTHROPIC_BASE_URL at `baseUrl`. */
export async function runClaude(options: { baseUrl: string; model: string; prompt: string; workspace: AgentWorkspace; timeoutMs?: number; args?: string[] }): Promise<ClaudeResult> {
  const { dir } = options.workspace;
  const env = {
    HOME: dir,
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: 'anyrouter-e2e-gateway-key',
    // every model Claude Code picks for side tasks is the one under test
    ANTHROPIC_MODEL: options.model,
    ANTHROPIC_SMALL_FAST_MODEL: options.model,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: options.model,
    ANTHROPIC_DEFAULT_SONNET_MODEL: options.model,
    ANTHROPIC_DEFAULT_OPUS_MODEL: options.model,
    ...CLAUDE_QUIET_ENV,
  };
  const args = ['-p', options.prompt, '--output-format', 'json', '--model', options.model, ...(options.args ?? [])];
  return withClaudeResult(await runCli(cliPath('@anthropic-ai/claude-code', 'claude'), args, env, dir, options.timeoutMs ?? 60_000));
}

/** Claude Code without auto-update, telemetry, error reports or other outside traffic. */
export const CLAUDE_QUIET_ENV = {
  DISABLE_AUTOUPDATER: '1',
  DISABLE_TELEMETRY: '1',
  DISABLE_ERROR_REPORTING: '1',
  CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  CLAUDE_CODE_DISABLE_TERMINAL_TITLE: '1',
} as const;

/** The run with the `--output-format json` result object read from its last stdout line, when there is one. */
export function withClaudeResult(out: CliRun): ClaudeResult {
  const line = out.stdout.trim().split('\n').at(-1);
  try {
    return { ...out, result: JSON.parse(line ?? '') as ClaudeResult['result'] };
  } catch {
    return out;
  }
}

/** `codex exec PROMPT` with a temporary CODEX_HOME whose config.toml points a `responses` provider at `baseUrl`. */
export async function runCodex(options: { baseUrl: string; model: string; prompt: string; workspace: AgentWorkspace; timeoutMs?: number }): Promise<CliRun> {
  const { dir } = options.workspace;
  const codexHome = path.join(dir, '.codex');
  await mkdir(codexHome, { recursive: true });
  const config = [
    `model = ${JSON.stringify(options.model)}`,
    'model_provider = "anyrouter"',
    '[model_providers.anyrouter]',
    'name = "AnyRouter"',
    `base_url = ${JSON.stringify(`${options.baseUrl}/v1`)}`,
    'wire_api = "responses"',
    'env_key = "ANYROUTER_API_KEY"',
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '[analytics]',
    'enabled = false',
    '',
  ].join('\n');
  await writeFile(path.join(codexHome, 'config.toml'), config);
  const env = { HOME: dir, CODEX_HOME: codexHome, ANYROUTER_API_KEY: 'anyrouter-e2e-gateway-key' };
  const args = ['exec', '--skip-git-repo-check', '--color', 'never', options.prompt];
  return runCli(cliPath('@openai/codex', 'codex'), args, env, dir, options.timeoutMs ?? 60_000);
}
