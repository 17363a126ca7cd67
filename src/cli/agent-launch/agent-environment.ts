/**
 * What an agent inherits: the user's environment without the gateway's credentials. A coding agent runs shell
 * tools with its environment, so a provider key left there is one prompt injection (`env | curl ...`) away from
 * leaving the machine, and would let the agent bypass the gateway key's models, limits and budget. Withheld:
 * every variable the started gateway's bundle reads (provider keys and headers, the Redis and PostgreSQL URLs,
 * telemetry headers) and the usual provider key variables, which a gateway at `--url` may read too.
 */
import type { RoutingBundle } from '../../bundle/format.js';

/** Provider credentials by their customary names, withheld whatever the bundle says. */
const PROVIDER_KEY_VARIABLES = [
  'OPENAI_API_KEY',
  'ANTHROPIC_API_KEY',
  'OPENROUTER_API_KEY',
  'GEMINI_API_KEY',
  'GOOGLE_API_KEY',
  'GROQ_API_KEY',
  'DEEPSEEK_API_KEY',
  'MISTRAL_API_KEY',
  'XAI_API_KEY',
  'TOGETHER_API_KEY',
  'FIREWORKS_API_KEY',
  'MOONSHOT_API_KEY',
  'DASHSCOPE_API_KEY',
  'ZAI_API_KEY',
  'AWS_SECRET_ACCESS_KEY',
  'AZURE_OPENAI_API_KEY',
] as const;

/** Every environment variable a bundle reads: each `env` name in it (keys, `{ env }` references). */
export function bundleEnvNames(bundle: RoutingBundle): Set<string> {
  const names = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) for (const item of value) visit(item);
    else if (value !== null && typeof value === 'object') {
      for (const [key, member] of Object.entries(value)) {
        if (key === 'env' && typeof member === 'string') names.add(member);
        else visit(member);
      }
    }
  };
  visit(bundle);
  return names;
}

export interface AgentEnvironment {
  env: NodeJS.ProcessEnv;
  /** The names taken out (never their values). */
  withheld: string[];
}

/** `env` without the gateway's credentials (those `bundle` reads, when the gateway was started here, and the usual provider keys). */
export function agentEnvironment(env: NodeJS.ProcessEnv, bundle: RoutingBundle | undefined): AgentEnvironment {
  const secret = new Set<string>(PROVIDER_KEY_VARIABLES);
  if (bundle) for (const name of bundleEnvNames(bundle)) secret.add(name);
  const out: NodeJS.ProcessEnv = {};
  const withheld: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (secret.has(name)) withheld.push(name);
    else out[name] = value;
  }
  return { env: out, withheld: withheld.sort() };
}
