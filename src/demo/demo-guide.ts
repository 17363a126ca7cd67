/** What `anyrouter demo` prints once it answers: what runs, and how to talk to it and watch it fail over. */
import path from 'node:path';
import { DEMO_MODELS, DEMO_PRESET, DEMO_PROVIDERS } from './demo-catalog.js';

export interface DemoGuideInput {
  /** The gateway, `http://HOST:PORT`. */
  url: string;
  /** The dashboard's path, when it is mounted. */
  dashboardPath?: string;
  dbPath: string;
  configPath: string;
  faultRate: number;
  /** Paths are shown relative to this folder when inside it. */
  cwd: string;
  /** How the printed commands run the CLI: `anyrouter`, or `npx anyrouter` where that is not on PATH. */
  cli: string;
}

function shown(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative : file;
}

function column(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  '));
}

export function demoGuide(input: DemoGuideInput): string {
  const { url } = input;
  const db = shown(input.dbPath, input.cwd);
  const percent = `${Math.round(input.faultRate * 100)}%`;
  const body = JSON.stringify({ model: 'demo/flaky', messages: [{ role: 'user', content: 'Hello' }] });
  return [
    `AnyRouter demo: ready at ${url}/v1 (simulated providers, no provider keys needed)`,
    '',
    'Simulated providers (on loopback, each checking a key this demo generated and passed by env):',
    ...column(DEMO_PROVIDERS.map((p) => [`  ${p.name}`, p.role.replace('the fault rate', `${percent} of calls`)])),
    '',
    'Models:',
    ...column([...DEMO_MODELS.map((m) => [`  ${m.id}`, m.shows]), [`  @preset/${DEMO_PRESET.name}`, `${DEMO_PRESET.model}, then ${DEMO_PRESET.models.join(', ')}, with a system prompt`]]),
    '',
    'Try it:',
    `  curl ${url}/v1/chat/completions -H 'content-type: application/json' -d '${body}'`,
    '',
    `  // OpenAI SDK (any apiKey: this gateway has no gateway keys)`,
    `  const client = new OpenAI({ baseURL: '${url}/v1', apiKey: 'demo' });`,
    `  await client.chat.completions.create({ model: 'demo/flaky', messages: [{ role: 'user', content: 'Hello' }] });`,
    '',
    `  # Anthropic SDK and tools that read it: new Anthropic({ baseURL: '${url}', apiKey: 'demo' })`,
    `  export ANTHROPIC_BASE_URL=${url} ANTHROPIC_API_KEY=demo`,
    '',
    `  # Claude Code through the gateway (ask it to use a tool: the simulated model calls one)`,
    `  ${input.cli} claude --url ${url} --model demo/fast`,
    '',
    'Watch it:',
    ...column([
      ...(input.dashboardPath !== undefined ? [['  dashboard', `${url}${input.dashboardPath}`]] : []),
      ['  failovers', `${input.cli} logs --db ${db} --limit 20      (the attempts column: sim-flaky 429 → sim-fast 200; --id REQ_ID: one request's trace; --failed)`],
      ['  usage', `${input.cli} usage --db ${db}`],
      ['  the config', shown(input.configPath, input.cwd)],
    ]),
    '',
    'Ctrl-C stops the demo.',
  ].join('\n');
}
