/**
 * `anyrouter models [--for claude|codex] [--format text|json] [--config F | --bundle F]`: the catalog's
 * models with their aliases, context, price and capabilities. `--for AGENT` keeps what suits a coding agent
 * (agent-fit.ts: tools and streaming), adds the virtual pools and presets that do, and names each in the
 * form `anyrouter claude --model` / `anyrouter codex --model` takes, marking which can be served now (some upstream
 * has a key in this environment, judged as `anyrouter explain --env` and the launchers judge it).
 */
import type { BundleModel, RoutingBundle } from '../../bundle/format.js';
import { AGENT_FIT_RULE, fitsCodingAgent } from '../agent-launch/agent-fit.js';
import { claudeCode, codex } from '../agent-launch/coding-agents.js';
import { cliInvocation } from '../cli-invocation.js';
import { bundleInputOptions, loadBundleInput } from '../bundle-input.js';
import { servabilityIn } from '../plan-from-environment.js';
import { formatTable } from '../request-log-input.js';
import { UsageError } from '../usage.js';

const AGENTS = [claudeCode.bin, codex.bin];
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

/** A listing for an agent, with whether it can be served now. */
type AgentListing = ModelListing & { usable: boolean };

/** The provider key variables of the models' upstreams (what to set when none of them is usable). */
function keyVariablesOf(bundle: RoutingBundle, models: readonly string[]): string[] {
  const wanted = new Set(models);
  const names = new Set<string>();
  for (const m of bundle.models) {
    if (!wanted.has(m.id)) continue;
    for (const c of m.candidates) for (const key of bundle.providers[c.provider]?.keys ?? []) names.add(key.env);
  }
  return [...names].sort();
}

/** The closing line of `--for`: a model to run with that can be served now, or which variables would make one. */
function suggestion(bundle: RoutingBundle, agent: string, listings: readonly AgentListing[]): string {
  const count = `${listings.length} for ${agent} (${AGENT_FIT_RULE})`;
  const usable = listings.find((l) => l.usable);
  if (usable) return `${count}; run: ${cliInvocation()} ${agent} --model ${usable.model}`;
  if (listings.length === 0) return `${count}; run: ${cliInvocation()} ${agent} --model MODEL`;
  const variables = keyVariablesOf(bundle, listings.filter((l) => l.kind === 'model').map((l) => l.model));
  return `${count}; none can be served now: no upstream of them has a key in this environment${variables.length > 0 ? ` (set one of ${variables.join(', ')})` : ''}`;
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
    if (agent === undefined) {
      if (format === 'json') process.stdout.write(JSON.stringify({ models: listings }, null, 2) + '\n');
      else process.stdout.write(formatTable(['model', 'aliases', 'context', '$/1M in / out', 'capabilities'], listings.map(row)) + '\n');
      return 0;
    }
    const servability = servabilityIn(bundle, process.env);
    const marked: AgentListing[] = listings.map((l) => ({ ...l, usable: servability(l.model).servable }));
    if (format === 'json') {
      process.stdout.write(JSON.stringify({ for: agent, rule: AGENT_FIT_RULE, models: marked }, null, 2) + '\n');
      return 0;
    }
    process.stdout.write(formatTable(['--model', 'aliases', 'context', '$/1M in / out', 'capabilities', 'usable now'], marked.map((l) => [...row(l), l.usable ? 'yes' : 'no key'])) + '\n');
    process.stdout.write(`\n${suggestion(bundle, agent, marked)}\n`);
    return 0;
  },
} as const;
