/**
 * `-h`/`--help` after any command prints that command's own usage lines and exits 0; `--version` prints the
 * package's; a usage error prints its message, the command's usage lines and a pointer to the full help, not
 * the whole help. The help can't drift from the parsers: every option a command's parseArgs accepts is in its
 * usage lines.
 */
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commands } from '../../src/cli/main.js';
import { commandUsage, USAGE } from '../../src/cli/usage.js';
import { removeTempDirs } from '../compiler/support.js';
import { project, requireBuiltCli, runCli } from './support.js';

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

/** Where the help's descriptions start. */
const DESCRIPTION_COLUMN = 51;

describe('the usage text', () => {
  it("names every option each command's parseArgs accepts, in that command's own lines", async () => {
    for (const [name, load] of Object.entries(commands)) {
      const usage = commandUsage(name);
      expect(usage, name).toBeDefined();
      const { options } = await load();
      const missing = Object.keys(options).filter((option) => !usage!.includes(`--${option}`));
      expect(missing, `options of '${name}' missing from its usage lines`).toEqual([]);
    }
  });

  it('has lines for commands only, and every description starts at one column', () => {
    const lines = USAGE.split('\n');
    const listed = lines.filter((l) => /^ {2}[a-z]/.test(l)).map((l) => l.trim().split(' ')[0]!);
    expect(new Set(listed)).toEqual(new Set(Object.keys(commands)));
    for (const line of lines.slice(lines.indexOf('Commands:') + 1)) {
      if (line.trim() === '' || line.startsWith('  -h')) break;
      // a synopsis (or its wrapped rest), with its description after a gap of spaces, or a description line alone
      const gap = /^( *\S.*?\S) {2,}(\S.*)$/.exec(line);
      if (line.startsWith(' '.repeat(DESCRIPTION_COLUMN))) expect(line[DESCRIPTION_COLUMN], line).not.toBe(' ');
      else if (gap) expect(line.indexOf(gap[2]!), line).toBe(DESCRIPTION_COLUMN);
    }
  });
});

describe.concurrent('--help, -h and --version', () => {
  for (const name of Object.keys(commands)) {
    it(`anyrouter ${name} --help prints its own usage and exits 0`, async () => {
      const dir = await project({});
      const help = await runCli([name, '--help'], dir);
      expect(help.stderr).toBe('');
      expect(help.code).toBe(0);
      expect(help.stdout).toBe(commandUsage(name) + '\n');
      expect(help.stdout).not.toContain('Commands:');
    });
  }

  it('-h works too, after other options, and with options the command would refuse', async () => {
    const dir = await project({});
    for (const args of [['simulate', '-h'], ['simulate', '--requests', '5', '-h'], ['simulate', '--no-such-option', '--help']]) {
      const help = await runCli(args, dir);
      expect(help.code, args.join(' ')).toBe(0);
      expect(help.stdout).toBe(commandUsage('simulate') + '\n');
    }
  });

  it('anyrouter help CMD prints that command\'s usage; help, --help and -h alone the whole help', async () => {
    const dir = await project({});
    expect(await runCli(['help', 'logs'], dir)).toEqual({ code: 0, stdout: commandUsage('logs') + '\n', stderr: '' });
    for (const flag of ['help', '--help', '-h']) expect(await runCli([flag], dir)).toEqual({ code: 0, stdout: USAGE + '\n', stderr: '' });
  });

  it("--version and -v print package.json's version", async () => {
    const { version } = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    const dir = await project({});
    for (const flag of ['--version', '-v']) {
      const printed = await runCli([flag], dir);
      expect(printed).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    }
  });
});

describe.concurrent('usage errors', () => {
  const cases: Array<[string[], string]> = [
    [['usage', '--by', 'nonsense'], "--by is one of model, key, app, user, upstream, not 'nonsense'"],
    [['simulate', '--faults', 'openai=bogus:0.3'], "bad fault 'openai=bogus:0.3'"],
    [['explain'], 'expected: explain <model | @preset/name>'],
    [['demo', '--fault-rate', '2'], "--fault-rate takes a share from 0 to 1 (0.3: 30% of calls), not '2'"],
    [['check', '--nope'], "Unknown option '--nope'"],
    [['keys', 'create', 'ci', '--budget-usd', '5', '--budget-period', 'mnth'], "--budget-period is one of day, week, month, total, not 'mnth' (did you mean 'month'?)"],
    [['keys', 'create', 'ci', '--budget-period', 'day'], '--budget-period goes with --budget-usd X'],
    // `keys new` refuses what it would ignore: the options of `keys create`, and gateway-key limits on an admin key
    ...[['--budget-usd', '5'], ['--budget-period', 'day'], ['--expires', '2030-01-01'], ['--url', 'http://127.0.0.1:1'], ['--admin-key', 'sk-admin']].map(
      ([option, value]): [string[], string] => [['keys', 'new', 'ci', option!, value!], `${option} belongs to \`keys create\` (against a running gateway), not \`keys new\``],
    ),
    ...[['--models', 'gpt-*'], ['--rpm', '10'], ['--tpm', '1000']].map(
      ([option, value]): [string[], string] => [['keys', 'new', 'ops', '--admin', option!, value!], `${option} limits a gateway key: \`keys new --admin\` makes an admin key, which has no such limit`],
    ),
  ];
  for (const [args, message] of cases) {
    it(`anyrouter ${args.join(' ')}: the message, then that command's usage and where the rest is`, async () => {
      const result = await runCli(args, await project({}));
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const [first, ...rest] = result.stderr.split('\n');
      expect(first).toContain(`anyrouter ${args[0]}: ${message}`);
      expect(rest.join('\n')).toMatch(new RegExp(`^\\n${escape(commandUsage(args[0]!)!)}\\n\\nrun '(npx )?anyrouter --help' for every command\\n$`));
    });
  }

  it('an unknown command names the closest one', async () => {
    const result = await runCli(['simulat'], await project({}));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^anyrouter: unknown command 'simulat' \(did you mean 'simulate'\?\)\n/);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
