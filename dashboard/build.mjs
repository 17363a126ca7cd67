// Builds the dashboard into lib/dashboard: one content-hashed script and stylesheet (Preact, uPlot and
// eventsource-parser bundled in) and the page naming them. Run by `npm run build`; nothing is fetched at run time.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const out = path.join(here, '..', 'lib', 'dashboard');
await rm(out, { recursive: true, force: true });
await mkdir(path.join(out, 'assets'), { recursive: true });
const result = await build({
  entryPoints: { app: path.join(here, 'src', 'main.tsx') },
  bundle: true,
  format: 'esm',
  target: ['es2022'],
  minify: true,
  jsx: 'automatic',
  jsxImportSource: 'preact',
  entryNames: '[name]-[hash]',
  outdir: path.join(out, 'assets'),
  metafile: true,
  legalComments: 'eof',
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => path.basename(file));
const script = outputs.find((f) => f.endsWith('.js'));
const style = outputs.find((f) => f.endsWith('.css'));
if (!script || !style) throw new Error(`dashboard build: expected a script and a stylesheet, got ${outputs.join(', ')}`);
const page = (await readFile(path.join(here, 'index.html'), 'utf8')).replace('%SCRIPT%', `%BASE%/assets/${script}`).replace('%STYLE%', `%BASE%/assets/${style}`);
await writeFile(path.join(out, 'index.html'), page);
