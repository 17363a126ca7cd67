/**
 * The coding-agent CLIs `anyrouter claude` and `anyrouter codex` launch: where to find them, how to install
 * them, and the command line and environment that point each at a gateway. Nothing here writes a file:
 * Claude Code is pointed by environment variables, Codex by `-c` overrides on its command line, so the
 * user's own ~/.claude and ~/.codex are left as they are.
 */

/** The gateway an agent talks to, and the gateway key it presents. */
export interface AgentGateway {
  /** `http://HOST:PORT`, without `/v1`. */
  url: string;
  key: string;
}

export interface AgentOptions {
  model?: string;
  /** Codex's reasoning effort (low | medium | high). */
  effort?: string;
}

export interface AgentCommand {
  args: string[];
  env: NodeJS.ProcessEnv;
}

export interface CodingAgent {
  /** The executable's name (on PATH, in node_modules/.bin). */
  bin: string;
  title: string;
  install: string;
  /** A variable naming the executable to run instead of searching for `bin`. */
  binEnv: string;
  command(gateway: AgentGateway, options: AgentOptions, args: readonly string[], env: NodeJS.ProcessEnv): AgentCommand;
}

/** The models Claude Code picks by itself (side tasks, subagents): the same model unless the user chose one. */
const CLAUDE_MODEL_SLOTS = ['ANTHROPIC_SMALL_FAST_MODEL', 'ANTHROPIC_DEFAULT_HAIKU_MODEL', 'ANTHROPIC_DEFAULT_SONNET_MODEL', 'ANTHROPIC_DEFAULT_OPUS_MODEL'] as const;

export const claudeCode: CodingAgent = {
  bin: 'claude',
  title: 'Claude Code',
  install: 'npm i -g @anthropic-ai/claude-code',
  binEnv: 'ANYROUTER_CLAUDE_BIN',
  command(gateway, options, args, env) {
    const out: NodeJS.ProcessEnv = { ...env, ANTHROPIC_BASE_URL: gateway.url, ANTHROPIC_AUTH_TOKEN: gateway.key };
    // a real Anthropic key in the environment would be sent to the gateway (and Claude Code would ask which to use)
    delete out.ANTHROPIC_API_KEY;
    if (options.model !== undefined) {
      out.ANTHROPIC_MODEL = options.model;
      for (const slot of CLAUDE_MODEL_SLOTS) if (!env[slot]) out[slot] = options.model;
    }
    return { args: [...args], env: out };
  },
};

/** A TOML basic string: JSON's escapes are TOML's, and TOML also wants DEL escaped. */
const toml = (value: string) => JSON.stringify(value).replaceAll('\x7f', '\\u007f');

export const GATEWAY_KEY_ENV = 'ANYROUTER_API_KEY';

export const codex: CodingAgent = {
  bin: 'codex',
  title: 'Codex',
  install: 'npm i -g @openai/codex',
  binEnv: 'ANYROUTER_CODEX_BIN',
  command(gateway, options, args, env) {
    const overrides = [
      'model_provider="anyrouter"',
      'model_providers.anyrouter.name="AnyRouter"',
      `model_providers.anyrouter.base_url=${toml(`${gateway.url}/v1`)}`,
      'model_providers.anyrouter.wire_api="responses"',
      `model_providers.anyrouter.env_key=${toml(GATEWAY_KEY_ENV)}`,
      // `-c model=` rather than `-m`: root overrides reach every subcommand (`exec`, `review` ...)
      ...(options.model !== undefined ? [`model=${toml(options.model)}`] : []),
      ...(options.effort !== undefined ? [`model_reasoning_effort=${toml(options.effort)}`] : []),
    ];
    return { args: [...overrides.flatMap((o) => ['-c', o]), ...args], env: { ...env, [GATEWAY_KEY_ENV]: gateway.key } };
  },
};
