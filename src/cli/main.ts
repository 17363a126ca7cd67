/** The `anyrouter` command line: parses the command and hands off to one module per command. */
import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { didYouMeanSuffix } from '../naming/did-you-mean.js';
import { cliInvocation } from './cli-invocation.js';
import { commandUsage, UsageError, USAGE } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  options: Options;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

/** Every command by name; the help test reads each one's `options`. */
export const commands: Record<string, () => Promise<Command>> = {
  check: async () => (await import('./commands/check.js')).checkCommand,
  build: async () => (await import('./commands/build.js')).buildCommand,
  serve: async () => (await import('./commands/serve.js')).serveCommand,
  keys: async () => (await import('./commands/keys.js')).keysCommand,
  diff: async () => (await import('./commands/diff.js')).diffCommand,
  schema: async () => (await import('./commands/schema.js')).schemaCommand,
  init: async () => (await import('./commands/init.js')).initCommand,
  explain: async () => (await import('./commands/explain.js')).explainCommand,
  simulate: async () => (await import('./commands/simulate.js')).simulateCommand,
  logs: async () => (await import('./commands/logs.js')).logsCommand,
  usage: async () => (await import('./commands/usage-report.js')).usageCommand,
  // coding agents through the gateway, and the models to give them
  claude: async () => (await import('./commands/claude.js')).claudeCommand,
  codex: async () => (await import('./commands/codex.js')).codexCommand,
  models: async () => (await import('./commands/models.js')).modelsCommand,
  // a zero-key demo over simulated providers
  demo: async () => (await import('./commands/demo.js')).demoCommand,
};

/** `-h`/`--help` among a command's arguments (not after `--`, where they belong to a launched agent). */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === '--help' || arg === '-h');
}

/** The package's version, read when asked for. */
async function packageVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return manifest.version ?? 'unknown';
}

/** A usage error: the message, that command's usage lines, and where the rest is. */
function usageErrorText(name: string, message: string, showUsage: boolean): string {
  const usage = showUsage ? commandUsage(name) : undefined;
  return `anyrouter ${name}: ${message}\n${usage !== undefined ? `\n${usage}\n\nrun '${cliInvocation()} --help' for every command\n` : ''}`;
}

/**
 * The last resort for an error no command caught (a rejection nobody awaited, a throw in a callback): its
 * message, never its stack, and exit 1.
 */
function exitOnStrayErrors(name: string): void {
  const report = (error: unknown) => {
    // the reader went away (`anyrouter logs | head`): nothing to say to it
    if (error instanceof Error && (error as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    process.stderr.write(`anyrouter ${name}: unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  };
  process.on('uncaughtException', report);
  process.on('unhandledRejection', report);
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    // `anyrouter help CMD`: that command's usage
    const usage = name === 'help' && rest[0] !== undefined ? commandUsage(rest[0]) : undefined;
    process.stdout.write((usage ?? USAGE) + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-v') {
    process.stdout.write((await packageVersion()) + '\n');
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`anyrouter: unknown command '${name}'${didYouMeanSuffix(name, Object.keys(commands))}\n\n${USAGE}\n`);
    return 2;
  }
  exitOnStrayErrors(name);
  if (asksForHelp(rest)) {
    process.stdout.write(`${commandUsage(name) ?? USAGE}\n`);
    return 0;
  }
  try {
    const command = await load();
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof Error && (error as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS'))) {
      process.stderr.write(usageErrorText(name, error.message, !(error instanceof UsageError) || error.showUsage));
      return 2;
    }
    process.stderr.write(`anyrouter ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
