/**
 * A usage error: the CLI prints it with the command's usage lines and exits 2. `usage: false` for a
 * wrong name (a model, a provider) where the usage lines would not help.
 */
export class UsageError extends Error {
  readonly showUsage: boolean;
  constructor(message: string, options: { usage?: boolean } = {}) {
    super(message);
    this.showUsage = options.usage ?? true;
  }
}

/** One entry of the help: the command it belongs to, its synopsis, and what it does. */
interface UsageEntry {
  command: string;
  synopsis: string;
  about: string[];
}

/** Where descriptions start: a synopsis longer than this puts its description on the next line. */
const DESCRIPTION_COLUMN = 51;

const ENTRIES: UsageEntry[] = [
  { command: 'check', synopsis: 'check [--config F] [--format text|json]', about: ['validate the config; exit 0 clean, 1 errors, 2 usage'] },
  {
    command: 'build',
    synopsis: 'build [--config F] [--out F] [--types F.d.ts] [--format text|json]',
    about: ['compile the config into a routing bundle (default dist/routing.json);', '--types also writes model ids, aliases, presets and pools as TS types'],
  },
  {
    command: 'serve',
    synopsis: 'serve [--bundle F | --config F] [--host H] [--port N] [--watch] [--workers N|auto]',
    about: ['run the gateway; --watch and SIGHUP rebuild and swap the bundle'],
  },
  {
    command: 'explain',
    synopsis: 'explain <model | @preset/name> [--request body.json] [--health state.json] [--env] [--format text|json] [--config F | --bundle F]',
    about: ['the ranked plan with the reason for every decision'],
  },
  {
    command: 'simulate',
    synopsis:
      'simulate [--requests N] [--model M] [--faults p=429:0.3,...] [--seed S] [--min-success X] [--concurrency N] [--interval-ms N] [--stream-share X] [--latency-ms N] [--prompt-tokens N] [--completion-tokens N] [--format text|json] [--config F | --bundle F]',
    about: [
      'a synthetic workload through the real planner and attempt loop;',
      '--faults: PROVIDER=STATUS|timeout|reset|connect|cut|mix:RATE, PROVIDER a config provider id;',
      '--concurrency: requests in flight, --interval-ms: simulated ms between',
      'arrivals, --stream-share: the share that streams; exit 1 below --min-success',
    ],
  },
  {
    command: 'diff',
    synopsis: 'diff <base> <head> [--format text|markdown|json] [--fail-on KIND,...] [--config F]',
    about: [
      'what changes in routing between two configs; each side a config',
      'file, a git revision (REV: the --config path there) or REV:path;',
      'exit 1 on a change of a --fail-on kind (removed-model, removed-alias, ...)',
    ],
  },
  { command: 'schema', synopsis: 'schema [--out DIR]', about: ['write JSON Schema for the model and preset YAML (default schema/)'] },
  { command: 'init', synopsis: 'init [DIR]', about: ['scaffold a config, an example model and preset, and the schemas'] },
  {
    command: 'logs',
    synopsis: 'logs [--follow] [--failed] [--model M] [--limit N] [--format text|json] [--db FILE|postgres://URL | --config F]',
    about: ['recent requests from the request log, with each one\'s attempts'],
  },
  {
    command: 'logs',
    synopsis: 'logs --id REQ_ID [--format text|json] [--db FILE|postgres://URL | --config F]',
    about: ['one request\'s whole trace: every attempt, its key, status, timings and routing'],
  },
  {
    command: 'usage',
    synopsis: 'usage [--by model|key|app|user|upstream] [--bucket hour|day] [--since 24h] [--db FILE|postgres://URL | --config F]',
    about: ['requests, tokens, cost, errors, latency'],
  },
  {
    command: 'demo',
    synopsis: 'demo [--port N] [--host H] [--fault-rate R]',
    about: ['the gateway over simulated providers (fast, flaky, slow): no provider', 'keys needed; prints how to call it and where to watch failovers'],
  },
  {
    command: 'keys',
    synopsis: 'keys new NAME [--models GLOB,...] [--rpm N] [--tpm N] [--admin]',
    about: ['print a fresh gateway key and the config line with its hash;', '--admin: an admin key (auth.adminKeys)'],
  },
  {
    command: 'keys',
    synopsis: 'keys create NAME [--models GLOB,...] [--rpm N] [--tpm N] [--budget-usd X --budget-period day|week|month|total] [--expires ISO]',
    about: ['add a run-time key to a running gateway'],
  },
  {
    command: 'keys',
    synopsis: 'keys list | keys revoke NAME',
    about: ['manage run-time keys on a running gateway (--url U, --admin-key K', 'or ANYROUTER_URL, ANYROUTER_ADMIN_KEY)'],
  },
  {
    command: 'models',
    synopsis: 'models [--for claude|codex] [--format text|json] [--config F | --bundle F]',
    about: ["the catalog's models (aliases, context, price, capabilities); --for: those", 'that suit the agent (tools and streaming), pools and presets too'],
  },
  { command: 'claude', synopsis: 'claude [--model M] [--url URL] [--config F | --bundle F] [-- ARGS...]', about: [] },
  {
    command: 'codex',
    synopsis: 'codex [--model M] [--effort low|medium|high] [--url URL] [--config F | --bundle F] [-- ARGS...]',
    about: [
      'run Claude Code / Codex through a gateway started for the session on a free',
      '127.0.0.1 port (or the one at --url); ARGS go to the CLI',
    ],
  },
];

/** A synopsis wider than this wraps between its bracketed options. */
const SYNOPSIS_WIDTH = 100;

/** The synopsis in lines of at most SYNOPSIS_WIDTH, never splitting a `[...]` or `<...>`. */
function wrapSynopsis(synopsis: string): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of synopsis.match(/\[[^\]]*\]|<[^>]*>|\S+/g) ?? []) {
    if (line !== '' && line.length + 1 + word.length > SYNOPSIS_WIDTH) {
      lines.push(line);
      line = '    ' + word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return [...lines, line];
}

function formatEntry(entry: UsageEntry, prefix = ''): string[] {
  const indent = ' '.repeat(DESCRIPTION_COLUMN);
  const head = wrapSynopsis(prefix + entry.synopsis).map((line) => `  ${line}`);
  const [first, ...rest] = entry.about;
  if (first === undefined) return head;
  const last = head[head.length - 1]!;
  const lines = last.length < DESCRIPTION_COLUMN - 1 ? [...head.slice(0, -1), last.padEnd(DESCRIPTION_COLUMN) + first] : [...head, indent + first];
  return [...lines, ...rest.map((line) => indent + line)];
}

/** Where the launchers' shared description lives: `claude` has no lines of its own. */
const SHARED_WITH: Record<string, string> = { claude: 'codex' };

/** A command's own lines of the help, or undefined for a name that is not a command. */
export function commandUsage(command: string): string | undefined {
  const own = ENTRIES.filter((e) => e.command === command);
  if (own.length === 0) return undefined;
  const shared = SHARED_WITH[command];
  const about = shared !== undefined ? ENTRIES.filter((e) => e.command === shared).flatMap((e) => e.about) : [];
  return ['Usage:', ...own.flatMap((e) => formatEntry(about.length > 0 && e.about.length === 0 ? { ...e, about } : e, 'anyrouter '))].join('\n');
}

export const USAGE = `Usage: anyrouter <command> [options]

Commands:
${ENTRIES.flatMap((e) => formatEntry(e)).join('\n')}

  -h, --help after a command prints its usage; anyrouter --version prints the version.
The config defaults to ./anyrouter.config.ts.`;
