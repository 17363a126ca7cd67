/**
 * `anyrouter models [--for claude|codex] [--format text|json] [--config F | --bundle F]`: the catalog's
 * models with their aliases, context, price and capabilities. `--for AGENT` keeps what suits a coding agent
 * (agent-fit.ts: tools and streaming), adds the virtual pools and presets that do, and names each in the
 * form `anyrouter claude --model` / `anyrouter codex --model` takes.
 */
import type { BundleModel, RoutingBundle } from '../../bundle/format.js';
import { AGENT_FIT_RULE, fitsCodingAgent } from '../agent-launch/agent-fit.js';
import { cliInvocation } from '../cli-invocation.js';
import { bundleInputOptions, loadBundleInput } from '../bundle-input.js';
import { formatTable } from '../request-log-input.js';
import { UsageError } from '../usage.js';

const AGENTS = ['claude', 'codex'];
const FORMATS = ['text', 'json'];

export interface ModelListing {
  /** What to pass as `--model` (or a request's `model`). */
  model: string;
  kind: 'model' | 'pool' | 'preset';
  aliases: string[];
  /** Tokens; for a pool, its smallest member's. */
  context: number;
  /** USD per 1M tokens; absent for pools and presets (they route to several models). */
  pricing?: { prompt: number; completion: number };
  /** For a pool, what all its members have; for a preset, its model's. */
  capabilities: string[];
}

function modelListing(m: BundleModel): ModelListing {
  return { model: m.id, kind: 'model', aliases: m.aliases, context: m.context, pricing: { prompt: m.pricing.prompt, completion: m.pricing.completion }, capabilities: m.capabilities };
}

/** The catalog's models; with `forAgent`, those that suit a coding agent plus the pools and presets that do. */
export function listModels(bundle: RoutingBundle, forAgent: boolean): ModelListing[] {
  const byId = new Map(bundle.models.map((m) => [m.id, m]));
  const models = bundle.models.filter((m) => !forAgent || fitsCodingAgent(m.capabilities)).map(modelListing);
  if (!forAgent) return models;

  const pools = new Map<string, ModelListing>();
  for (const pool of Object.values(bundle.pools ?? {})) {
    const members = pool.members.flatMap((id) => byId.get(id) ?? []);
    if (members.length === 0 || !members.every((m) => fitsCodingAgent(m.capabilities))) continue;
    const capabilities = members[0]!.capabilities.filter((c) => members.every((m) => m.capabilities.includes(c)));
    pools.set(pool.id.toLowerCase(), { model: pool.id, kind: 'pool', aliases: [], context: Math.min(...members.map((m) => m.context)), capabilities });
  }
  const presets: ModelListing[] = [];
  for (const preset of Object.values(bundle.presets)) {
    // a preset names a catalog model (the compiler refuses anything else)
    const target = byId.get(bundle.lookup[preset.model.toLowerCase()] ?? '');
    if (target && fitsCodingAgent(target.capabilities)) presets.push({ model: `@preset/${preset.name}`, kind: 'preset', aliases: [], context: target.context, capabilities: target.capabilities });
  }
  return [...models, ...pools.values(), ...presets];
}

function tokens(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 1_000) return `${Math.round(n / 1_000)}k`;
  return String(n);
}

function row(l: ModelListing): string[] {
  return [
    l.model,
    l.kind === 'model' ? l.aliases.join(', ') || '-' : l.kind,
    tokens(l.context),
    l.pricing ? `$${l.pricing.prompt} / $${l.pricing.completion}` : '-',
    l.capabilities.join(','),
  ];
}

export const modelsCommand = {
  options: { ...bundleInputOptions, for: { type: 'string' }, format: { type: 'string', short: 'f' } },
  async run(values: Record<string, string | boolean | undefined>): Promise<number> {
    const agent = values.for;
    if (agent !== undefined && (typeof agent !== 'string' || !AGENTS.includes(agent))) throw new UsageError(`--for takes ${AGENTS.join(' or ')}, not '${String(agent)}'`);
    const format = values.format ?? 'text';
    if (typeof format !== 'string' || !FORMATS.includes(format)) throw new UsageError(`--format takes text or json, not '${String(format)}'`);
    const bundle = await loadBundleInput(values);
    if (!bundle) return 1;
    const listings = listModels(bundle, agent !== undefined);
    if (format === 'json') {
      process.stdout.write(JSON.stringify(agent !== undefined ? { for: agent, rule: AGENT_FIT_RULE, models: listings } : { models: listings }, null, 2) + '\n');
      return 0;
    }
    const header = [agent !== undefined ? `--model` : 'model', 'aliases', 'context', '$/1M in / out', 'capabilities'];
    process.stdout.write(formatTable(header, listings.map(row)) + '\n');
    if (agent !== undefined) process.stdout.write(`\n${listings.length} for ${agent} (${AGENT_FIT_RULE}); run: ${cliInvocation()} ${agent} --model ${listings[0]?.model ?? 'MODEL'}\n`);
    return 0;
  },
} as const;
