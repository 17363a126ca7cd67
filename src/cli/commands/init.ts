import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cliInvocation } from '../cli-invocation.js';
import { scaffoldFiles } from '../init/scaffold-files.js';
import { UsageError } from '../usage.js';

export const initCommand = {
  options: {},
  async run(_values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    if (positionals.length > 1) throw new UsageError('expected: init [DIR]');
    const dir = positionals[0] ?? '.';
    const files = Object.entries(scaffoldFiles()).map(([name, text]) => ({ file: path.join(dir, ...name.split('/')), text }));
    const existing = files.filter(({ file }) => existsSync(file)).map(({ file }) => file);
    if (existing.length > 0) {
      process.stderr.write(`anyrouter init: not overwriting existing ${existing.length === 1 ? 'file' : 'files'} ${existing.join(', ')}; nothing written\n`);
      return 1;
    }
    for (const { file, text } of files) {
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, text, { flag: 'wx' }); // never clobber a file created since the check
      process.stdout.write(`wrote ${file}\n`);
    }
    const cd = path.resolve(dir) === process.cwd() ? '' : `cd ${dir} && `;
    const cli = cliInvocation();
    process.stdout.write(`\nnext: ${cd}${cli} check && ${cli} build && OPENAI_API_KEY=... ${cli} serve\n`);
    return 0;
  },
} as const;
