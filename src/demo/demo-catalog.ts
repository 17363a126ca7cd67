/**
 * The demo's catalog: three simulated providers (fast, flaky, slow; OpenAI-compatible and Anthropic
 * Messages) and the models and preset routed over them, as an ordinary config for the real compiler. Keys
 * are env references only; `anyrouter demo` generates their values at start and hands them to the gateway.
 */
import type { AnyRouterConfig, ModelInput } from '../index.js';
import type { DemoProtocol } from './demo-answer.js';

export interface DemoProviderSpec {
  name: string;
  protocol: DemoProtocol;
  /** What it is for, in the start-up text. */
  role: string;
  latencyMs: number;
  /** Whether `--fault-rate` applies to it. */
  faulty: boolean;
  /** The environment variable that holds its key. */
  keyEnv: string;
}

export const DEMO_PROVIDERS: readonly DemoProviderSpec[] = [
  { name: 'sim-fast', protocol: 'openai-chat', role: 'OpenAI-compatible, answers in ~20 ms', latencyMs: 20, faulty: false, keyEnv: 'ANYROUTER_DEMO_FAST_KEY' },
  { name: 'sim-flaky', protocol: 'anthropic-messages', role: 'Anthropic Messages, answers 429/500/503 at the fault rate', latencyMs: 40, faulty: true, keyEnv: 'ANYROUTER_DEMO_FLAKY_KEY' },
  { name: 'sim-slow', protocol: 'anthropic-messages', role: 'Anthropic Messages, answers after ~500 ms', latencyMs: 500, faulty: false, keyEnv: 'ANYROUTER_DEMO_SLOW_KEY' },
];

const TYPES: Record<DemoProtocol, 'openai' | 'anthropic'> = { 'openai-chat': 'openai', 'anthropic-messages': 'anthropic' };

/** The demo's models, with what each shows. */
export const DEMO_MODELS: ReadonlyArray<{ id: string; shows: string; upstreams: string[]; balance?: 'latency' }> = [
  { id: 'demo/fast', shows: 'sim-fast only (Messages clients get it translated)', upstreams: ['sim-fast'] },
  { id: 'demo/flaky', shows: 'sim-flaky first, fails over to sim-fast on its 429s and 5xx', upstreams: ['sim-flaky', 'sim-fast'] },
  { id: 'demo/slow', shows: 'sim-slow first (latency you can see), sim-fast if it fails', upstreams: ['sim-slow', 'sim-fast'] },
  { id: 'demo/balanced', shows: 'sim-slow and sim-fast share a priority; balance: latency moves traffic to sim-fast once both are measured', upstreams: ['sim-slow', 'sim-fast'], balance: 'latency' },
];

export const DEMO_PRESET = { name: 'demo', model: 'demo/flaky', models: ['demo/slow'], system: 'You are the AnyRouter demo assistant.' } as const;

function model(spec: (typeof DEMO_MODELS)[number]): ModelInput {
  return {
    id: spec.id,
    name: `Demo ${spec.id.slice('demo/'.length)}`,
    context: 200_000,
    capabilities: ['tools', 'streaming'],
    pricing: { prompt: 1, completion: 4 },
    // balanced upstreams share priority 1; otherwise they are tried in the listed order
    upstreams: spec.upstreams.map((provider, i) => ({ provider, model: `${provider}-1`, priority: spec.balance ? 1 : i + 1 })),
    // not sticky: a conversation would otherwise stay on whichever upstream served its first turn
    ...(spec.balance ? { balance: spec.balance, sticky: false as const } : {}),
  };
}

/** The config for simulated providers at `baseUrls` (by name), logging to the SQLite file `logPath`. */
export function demoConfig(baseUrls: Readonly<Record<string, string>>, logPath: string): AnyRouterConfig {
  return {
    providers: Object.fromEntries(
      DEMO_PROVIDERS.map((p) => [p.name, { type: TYPES[p.protocol], baseUrl: baseUrls[p.name]!, keys: [{ name: 'demo', value: { env: p.keyEnv } }] }]),
    ),
    // short cooldowns, so failovers keep showing in a demo of a few minutes
    routing: { cooldownMs: 2_000, maxAttempts: 4 },
    models: DEMO_MODELS.map(model),
    presets: [{ ...DEMO_PRESET, models: [...DEMO_PRESET.models] }],
    logging: { path: logPath, accessLog: false },
    dashboard: { enabled: true },
  };
}

/** The config as a file the compiler reads (and a user can look at). */
export function demoConfigText(config: AnyRouterConfig): string {
  return `// Written by \`anyrouter demo\` for this run: the simulated providers listen on new ports every time.\n// Keys are env references; the demo generates their values at start and never writes them down.\nexport default ${JSON.stringify(config, null, 2)};\n`;
}
