/** The `anyrouter` command line: parses the command and hands off to one module per command. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError, USAGE } from './usage.js';

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  options: Options;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const commands: Record<string, () => Promise<Command>> = {
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

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE + '\n');
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`anyrouter: unknown command '${name}'\n\n${USAGE}\n`);
    return 2;
  }
  try {
    const command = await load();
    const { values, positionals } = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    return await command.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`anyrouter ${name}: ${(error as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    process.stderr.write(`anyrouter ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}
