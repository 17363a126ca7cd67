/**
 * One broken config per diagnostic the compiler can emit. Each fixture is written into a fresh temp
 * folder (no node_modules: `import ... from 'anyrouter'` must resolve to the compiler's own package)
 * and compiled; the test asserts the complete list of diagnostics: code, severity, file, line and
 * column, plus the part of the message that matters (a did-you-mean, a name). Locations are given as
 * the place of a piece of text in the fixture, so each expectation reads as "points at `opneai`".
 */
import { afterAll, describe, expect, it } from 'vitest';
import { compile } from '../../src/compiler/compile.js';
import type { Diagnostic, DiagnosticCode } from '../../src/compiler/diagnostics.js';
import { DiagnosticCodes, formatDiagnostic } from '../../src/compiler/diagnostics.js';
import path from 'node:path';
import {
  BARE_OPENAI_CONFIG,
  OPENAI_CONFIG,
  OPENAI_MODELS,
  compileTree,
  dedent,
  positionOf,
  relativeTo,
  removeTempDirs,
  tempDir,
  type FileTree,
} from './support.js';

afterAll(removeTempDirs);

interface Expectation {
  code: DiagnosticCode;
  severity: Diagnostic['severity'];
  file: string;
  line: number;
  column: number;
  /** Substrings the message must contain. */
  says?: string[];
}

interface Fixture {
  name: string;
  files: FileTree;
  expect: Expectation[];
  /** Strings no diagnostic message may contain (secrets). */
  never?: string[];
}

const CONFIG = 'anyrouter.config.ts';
const MODELS = 'models/openai.yaml';

/** An error or warning pointing at the `nth` occurrence of `needle` in `files[file]`. */
function at(files: FileTree, file: string, needle: string, nth = 1) {
  const text = files[file];
  if (text === undefined) throw new Error(`fixture has no ${file}`);
  return { file, ...positionOf(text, needle, nth) };
}
const error = (code: DiagnosticCode, where: ReturnType<typeof at>, ...says: string[]): Expectation => ({ code, severity: 'error', ...where, says });
const warning = (code: DiagnosticCode, where: ReturnType<typeof at>, ...says: string[]): Expectation => ({ code, severity: 'warning', ...where, says });

/** Builds a fixture whose expectations can point into its own files. */
function fixture(name: string, files: FileTree, expectations: (f: FileTree) => Expectation[], never?: string[]): Fixture {
  return { name, files, expect: expectations(files), ...(never ? { never } : {}) };
}

/** A fake key that matches the secret pattern; random so a leak cannot hide behind a fixed string. */
const SECRET = `sk-proj-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}Zz09`;
const ANTHROPIC_SECRET = `sk-ant-api03-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

const fixtures: Fixture[] = [
  // ---- AR002: the TS config does not compile or evaluate
  fixture(
    'AR002 TypeScript syntax error, at the offending token',
    {
      [CONFIG]: dedent(`
        import { defineConfig } from 'anyrouter';

        export default defineConfig({
          providers: {
            openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1' keys: [] },
          },
        });
      `),
    },
    (f) => [error('AR002', at(f, CONFIG, 'keys: []'), 'Expected "}" but found "keys"')],
  ),
  fixture(
    'AR002 syntax error after non-ASCII text: the column counts characters, not UTF-8 bytes',
    { [CONFIG]: `// Über-config ✓\nexport default { server: { host: 'héllo—wörld' port: 1 } };\n` },
    (f) => [error('AR002', at(f, CONFIG, 'port: 1'), 'Expected "}" but found "port"')],
  ),
  fixture(
    'AR002 import that does not resolve, at the specifier',
    { [CONFIG]: `import { providers } from './providers.js';\nexport default { providers };\n` },
    (f) => [error('AR002', at(f, CONFIG, `'./providers.js'`), 'Could not resolve "./providers.js"')],
  ),
  fixture(
    'AR002 config that throws while evaluating',
    { [CONFIG]: `const region = (process.env.ANYROUTER_TEST_UNSET as string).trim();\nexport default { providers: {}, server: { host: region } };\n` },
    () => [{ code: 'AR002', severity: 'error', file: CONFIG, line: 1, column: 1, says: ['evaluating the config threw', "reading 'trim'"] }],
  ),
  fixture(
    'AR002 config without a default export',
    { [CONFIG]: `export const config = { providers: {} };\n` },
    () => [{ code: 'AR002', severity: 'error', file: CONFIG, line: 1, column: 1, says: ['no default export'] }],
  ),

  // ---- AR003: YAML syntax
  fixture(
    'AR003 duplicate key in a preset YAML',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS,
      'presets/coding.yaml': dedent(`
        name: coding
        model: openai/gpt-5.4-mini
        name: other
      `),
    },
    (f) => [error('AR003', at(f, 'presets/coding.yaml', 'name: other'), 'Map keys must be unique')],
  ),
  fixture(
    'AR003 unterminated flow sequence in a model YAML, and nothing cascades from the unread file',
    {
      [CONFIG]: BARE_OPENAI_CONFIG,
      [MODELS]: dedent(`
        models:
          - id: openai/gpt-5.4
            aliases: [gpt-5.4
            context: 400000
      `),
      // names a model of the unreadable file: not reported as unknown; openai not reported as unused
      'presets/fast.yaml': 'name: fast\nmodel: gpt-5.4\n',
    },
    // the yaml parser notices the missing `]` where the next line starts
    (f) => [error('AR003', at(f, MODELS, 'context'), 'end with a ]')],
  ),

  // ---- AR100: a value no branch of a union accepts
  fixture(
    'AR100 failover status that is neither a status code nor a class',
    {
      [CONFIG]: dedent(`
        export default {
          providers: {},
          routing: { failoverStatuses: [429, '6xx'] },
          models: [],
        };
      `),
    },
    (f) => [error('AR100', at(f, CONFIG, `'6xx'`), 'routing.failoverStatuses[1]')],
  ),
  fixture(
    'AR100 responses: true on a provider that is not openai',
    {
      [CONFIG]: OPENAI_CONFIG.replace("type: 'openai',", "type: 'anthropic',\n      responses: true,"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR100', at(f, CONFIG, 'true'), 'providers.openai.responses', "'responses' is for an 'openai' provider")],
  ),

  // ---- AR101: wrong type
  fixture(
    'AR101 wrong type in a model YAML',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('context: 400000', 'context: "400k"') },
    (f) => [error('AR101', at(f, MODELS, '"400k"'), 'models[0].context: expected number, got string "400k"')],
  ),
  fixture(
    'AR101 wrong type in the TS config',
    {
      [CONFIG]: OPENAI_CONFIG.replace("keys: [{ name: 'main', value: env('OPENAI_API_KEY') }],", "keys: [{ name: 'main', value: env('OPENAI_API_KEY') }],\n      timeoutMs: '60s',"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR101', at(f, CONFIG, `'60s'`), 'providers.openai.timeoutMs: expected number, got string "60s"')],
  ),
  fixture(
    'AR101 model file that is a bare list instead of `models: [...]`',
    { [CONFIG]: BARE_OPENAI_CONFIG, [MODELS]: `- id: openai/gpt-5.4\n  context: 1\n` },
    (f) => [{ ...error('AR101', at(f, MODELS, '- id')), says: ['expected object, got array'] }],
  ),
  fixture(
    'AR101 models setting that is neither a folder nor a list',
    { [CONFIG]: `export default {\n  providers: {},\n  models: 42,\n};\n` },
    (f) => [error('AR101', at(f, CONFIG, '42'), 'models: expected string or array, got number')],
  ),

  // ---- AR102: unknown field, with did-you-mean
  fixture(
    'AR102 unknown field in a model YAML, at the key',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('    context: 400000', '    context: 400000\n    maxOuput: 128000') },
    (f) => [error('AR102', at(f, MODELS, 'maxOuput'), `unknown field 'maxOuput' in models[0] (did you mean 'maxOutput'?)`)],
  ),
  fixture(
    'AR102 unknown field in the TS config, at the property name',
    {
      [CONFIG]: OPENAI_CONFIG.replace("baseUrl: 'https://api.openai.com/v1',", "baseUrl: 'https://api.openai.com/v1',\n      timeoutMS: 60_000,"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR102', at(f, CONFIG, 'timeoutMS'), `unknown field 'timeoutMS' in providers.openai (did you mean 'timeoutMs'?)`)],
  ),
  fixture(
    'AR102 unknown field in an upstream flow map',
    { [CONFIG]: BARE_OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('priority: 1', 'priorty: 1') },
    (f) => [error('AR102', at(f, MODELS, 'priorty'), `unknown field 'priorty' in models[0].upstreams[0] (did you mean 'priority'?)`)],
  ),

  // ---- AR103: value not in an enum, with did-you-mean
  fixture(
    'AR103 bad key strategy in the TS config',
    {
      [CONFIG]: OPENAI_CONFIG.replace("baseUrl: 'https://api.openai.com/v1',", "baseUrl: 'https://api.openai.com/v1',\n      keyStrategy: 'round-robbin',"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR103', at(f, CONFIG, `'round-robbin'`), `providers.openai.keyStrategy: string "round-robbin" is not one of`, `(did you mean 'round-robin'?)`)],
  ),
  fixture(
    'AR103 bad capability in a model YAML, at the list item',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('    context: 400000', '    context: 400000\n    capabilities: [tools, vison]') },
    (f) => [error('AR103', at(f, MODELS, 'vison'), 'models[0].capabilities[1]', `(did you mean 'vision'?)`)],
  ),

  // ---- AR104: missing required field, at the object that lacks it
  fixture(
    'AR104 model without pricing',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('    pricing: { prompt: 0.25, completion: 2.0 }\n', '') },
    (f) => [error('AR104', at(f, MODELS, 'id: openai/gpt-5.4-mini'), `missing required field 'pricing'`, 'in models[0]')],
  ),
  fixture(
    'AR104 provider without a type, in a bare `export default {}` config',
    { [CONFIG]: BARE_OPENAI_CONFIG.replace("      type: 'openai',\n", ''), [MODELS]: OPENAI_MODELS },
    (f) => [error('AR104', at(f, CONFIG, '{\n      baseUrl'), `missing required field 'type' in providers.openai`)],
  ),

  // ---- AR105: out of range
  fixture(
    'AR105 maxAttempts below 1 in the TS config',
    {
      [CONFIG]: OPENAI_CONFIG.replace('  providers: {', '  routing: { cooldownMs: 1000, maxAttempts: 0 },\n  providers: {'),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR105', at(f, CONFIG, '0 }'), 'routing.maxAttempts')],
  ),
  fixture(
    'AR105 negative upstream priority in a model YAML',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('priority: 1', 'priority: -1') },
    (f) => [error('AR105', at(f, MODELS, '-1'), 'models[0].upstreams[0].priority')],
  ),

  // ---- AR106: wrong format
  fixture(
    'AR106 baseUrl that is not a URL',
    { [CONFIG]: OPENAI_CONFIG.replace("'https://api.openai.com/v1'", "'api.openai.com/v1'"), [MODELS]: OPENAI_MODELS },
    (f) => [error('AR106', at(f, CONFIG, `'api.openai.com/v1'`), 'providers.openai.baseUrl')],
  ),
  fixture(
    'AR106 model id that is not provider/model',
    { [CONFIG]: BARE_OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('id: openai/gpt-5.4-mini', 'id: gpt-5.4-mini') },
    (f) => [error('AR106', at(f, MODELS, 'gpt-5.4-mini'), 'models[0].id', 'provider/model')],
  ),

  // ---- AR200: unknown provider
  fixture(
    'AR200 misspelled provider in a model YAML',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS.replace('provider: openai', 'provider: opneai') },
    // the provider is then unused: the warning is expected alongside the error
    (f) => [
      warning('AR208', at(f, CONFIG, 'openai: {')),
      error('AR200', at(f, MODELS, 'opneai'), `unknown provider 'opneai' in upstreams of 'openai/gpt-5.4-mini' (did you mean 'openai'?)`),
    ],
  ),
  fixture(
    'AR200 misspelled provider in inline TS models',
    {
      [CONFIG]: dedent(`
        import { defineConfig, env } from 'anyrouter';

        export default defineConfig({
          providers: {
            anthropic: {
              type: 'anthropic',
              baseUrl: 'https://api.anthropic.com/v1',
              keys: [{ name: 'main', value: env('ANTHROPIC_API_KEY') }],
            },
          },
          models: [
            {
              id: 'anthropic/claude-sonnet-4.6',
              context: 1_000_000,
              pricing: { prompt: 3, completion: 15 },
              upstreams: [
                { provider: 'anthropic', model: 'claude-sonnet-4-6' },
                { provider: 'antrhopic', model: 'claude-sonnet-4-6-backup', priority: 2 },
              ],
            },
          ],
        });
      `),
    },
    (f) => [error('AR200', at(f, CONFIG, `'antrhopic'`), `unknown provider 'antrhopic'`, `(did you mean 'anthropic'?)`)],
  ),

  // ---- AR201: duplicate model id (case-insensitive), on the later file
  fixture(
    'AR201 duplicate model id across two files',
    {
      [CONFIG]: OPENAI_CONFIG,
      'models/a.yaml': OPENAI_MODELS,
      'models/b.yaml': OPENAI_MODELS.replace('id: openai/gpt-5.4-mini', 'id: openai/GPT-5.4-mini').replace('aliases: [gpt-5.4-mini]', 'aliases: []'),
    },
    (f) => [error('AR201', at(f, 'models/b.yaml', 'openai/GPT-5.4-mini'), `duplicate model id 'openai/GPT-5.4-mini'`, 'a.yaml at models[0]')],
  ),

  // ---- AR202: alias collisions
  fixture(
    'AR202 alias equal to another model id',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS + OPENAI_MODELS.replace('models:\n', '').replaceAll('gpt-5.4-mini', 'gpt-5.4').replace('aliases: [gpt-5.4]', 'aliases: [gpt-5.4, openai/gpt-5.4-mini]'),
    },
    (f) => [error('AR202', at(f, MODELS, 'openai/gpt-5.4-mini]'), `alias 'openai/gpt-5.4-mini' of 'openai/gpt-5.4' is already the id of 'openai/gpt-5.4-mini'`)],
  ),
  fixture(
    'AR202 alias equal to another model alias',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS + OPENAI_MODELS.replace('models:\n', '').replace('id: openai/gpt-5.4-mini', 'id: openai/gpt-5.4-mini-2026').replace('aliases: [gpt-5.4-mini]', 'aliases: [mini, GPT-5.4-MINI]'),
    },
    (f) => [error('AR202', at(f, MODELS, 'GPT-5.4-MINI'), `alias 'GPT-5.4-MINI' of 'openai/gpt-5.4-mini-2026' is already an alias of 'openai/gpt-5.4-mini'`)],
  ),

  // ---- AR203: preset naming an unknown model
  fixture(
    'AR203 preset model misspelled',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS,
      'presets/fast.yaml': dedent(`
        name: fast
        model: openai/gpt-5.4-mni
        models: [gpt-5.4-mini]
      `),
    },
    (f) => [error('AR203', at(f, 'presets/fast.yaml', 'openai/gpt-5.4-mni'), `preset 'fast' names unknown model 'openai/gpt-5.4-mni' (did you mean 'openai/gpt-5.4-mini'?)`)],
  ),
  fixture(
    'AR203 preset fallback list naming an unknown model',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS,
      'presets/fast.yaml': dedent(`
        name: fast
        model: gpt-5.4-mini
        models: [gpt-5.4-mini, openai/gpt-9]
      `),
    },
    (f) => [error('AR203', at(f, 'presets/fast.yaml', 'openai/gpt-9'), `preset 'fast' names unknown model 'openai/gpt-9'`)],
  ),

  // ---- AR204: unknown fallback
  fixture(
    'AR204 fallback naming an unknown model',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS + '    fallbacks: [gpt-5.4-minni]\n' },
    (f) => [error('AR204', at(f, MODELS, 'gpt-5.4-minni'), `fallback 'gpt-5.4-minni' of 'openai/gpt-5.4-mini' is not a known model (did you mean 'gpt-5.4-mini'?)`)],
  ),

  // ---- AR205: fallback cycles
  fixture(
    'AR205 two models falling back to each other',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]:
        OPENAI_MODELS +
        '    fallbacks: [gpt-5.4]\n' +
        OPENAI_MODELS.replace('models:\n', '').replaceAll('gpt-5.4-mini', 'gpt-5.4') +
        '    fallbacks: [gpt-5.4-mini]\n',
    },
    // reported once, on the edge that closes the cycle when walking ids in sorted order (gpt-5.4 first)
    (f) => [error('AR205', at(f, MODELS, 'gpt-5.4]'), 'fallback cycle: openai/gpt-5.4 -> openai/gpt-5.4-mini -> openai/gpt-5.4')],
  ),
  fixture(
    'AR205 model falling back to its own alias',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS + '    fallbacks: [GPT-5.4-mini]\n' },
    (f) => [error('AR205', at(f, MODELS, 'GPT-5.4-mini'), 'fallback cycle: openai/gpt-5.4-mini -> openai/gpt-5.4-mini')],
  ),

  // ---- AR206: no upstream
  fixture(
    'AR206 model with an empty upstream list, at its id',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS + OPENAI_MODELS.replace('models:\n', '').replaceAll('gpt-5.4-mini', 'gpt-5.4').replace(/    upstreams:\n.*\n/, '    upstreams: []\n'),
    },
    (f) => [error('AR206', at(f, MODELS, 'openai/gpt-5.4\n'), `model 'openai/gpt-5.4' has no upstream`)],
  ),

  // ---- AR207: no key
  fixture(
    'AR207 provider with no keys, at its object',
    { [CONFIG]: BARE_OPENAI_CONFIG.replace("      keys: [{ name: 'main', value: { env: 'OPENAI_API_KEY' } }],\n", ''), [MODELS]: OPENAI_MODELS },
    (f) => [error('AR207', at(f, CONFIG, '{\n      type'), `provider 'openai' has no key`)],
  ),

  // ---- AR208: unused provider (a warning: the config still compiles)
  fixture(
    'AR208 provider no model uses, at its name',
    {
      [CONFIG]: OPENAI_CONFIG.replace('    openai: {', "    groq: { type: 'openai', baseUrl: 'https://api.groq.com/openai/v1', keys: [{ name: 'main', value: env('GROQ_API_KEY') }] },\n    openai: {"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [warning('AR208', at(f, CONFIG, 'groq'), `provider 'groq' is not used by any model`)],
  ),

  // ---- AR209: literal secrets; the value never appears in a message
  fixture(
    'AR209 literal key in the TS config (also the wrong type for a key value)',
    { [CONFIG]: OPENAI_CONFIG.replace("env('OPENAI_API_KEY')", `'${SECRET}'`), [MODELS]: OPENAI_MODELS },
    (f) => [
      error('AR101', at(f, CONFIG, `'${SECRET}'`), 'providers.openai.keys[0].value: expected object, got a string that looks like a secret'),
      error('AR209', at(f, CONFIG, `'${SECRET}'`), "use env('NAME')"),
    ],
    [SECRET],
  ),
  fixture(
    'AR209 literal key in a TS header value',
    {
      [CONFIG]: OPENAI_CONFIG.replace("baseUrl: 'https://api.openai.com/v1',", `baseUrl: 'https://api.openai.com/v1',\n      headers: { 'x-api-key': '${ANTHROPIC_SECRET}' },`),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR209', at(f, CONFIG, `'${ANTHROPIC_SECRET}'`))],
    [ANTHROPIC_SECRET],
  ),
  fixture(
    'AR209 literal key in a preset YAML',
    {
      [CONFIG]: BARE_OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS,
      'presets/fast.yaml': `name: fast\nmodel: gpt-5.4-mini\nparams:\n  api_key: ${SECRET}\n`,
    },
    (f) => [error('AR209', at(f, 'presets/fast.yaml', SECRET), '{ env: NAME }')],
    [SECRET],
  ),
  fixture(
    'AR209 literal key pasted where a name belongs is not echoed by other diagnostics',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS + `    fallbacks: [${SECRET}]\n`,
      'presets/fast.yaml': `name: fast\nmodel: ${SECRET}\n`,
    },
    (f) => [
      error('AR204', at(f, MODELS, SECRET), 'fallback'),
      error('AR209', at(f, MODELS, SECRET)),
      error('AR203', at(f, 'presets/fast.yaml', SECRET), "preset 'fast'"),
      error('AR209', at(f, 'presets/fast.yaml', SECRET)),
    ],
    [SECRET],
  ),

  fixture(
    'AR209 a key quoted by a TypeScript syntax error is redacted from the message',
    { [CONFIG]: `export default { providers: { openai: { type: 'openai' '${SECRET}' } } };\n` },
    (f) => [error('AR002', at(f, CONFIG, `'${SECRET}'`), 'Expected "}" but found', 'sk-proj-…')],
    [SECRET],
  ),

  // ---- AR210: duplicate upstream (warning)
  fixture(
    'AR210 the same upstream listed twice, at the second',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS + '      - { provider: openai, model: gpt-5.4-mini, priority: 2 }\n' },
    (f) => [warning('AR210', at(f, MODELS, '{ provider: openai', 2), 'upstream openai/gpt-5.4-mini is listed twice')],
  ),

  // ---- AR211: duplicate preset, on the later file
  fixture(
    'AR211 two presets with the same name',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS,
      'presets/fast.yaml': 'name: fast\nmodel: gpt-5.4-mini\n',
      'presets/quick.yaml': '# the same name as fast.yaml\nname: fast\nmodel: openai/gpt-5.4-mini\n',
    },
    (f) => [error('AR211', at(f, 'presets/quick.yaml', 'fast', 2), `duplicate preset 'fast' (first declared at `, 'fast.yaml)')],
  ),

  // ---- AR212: provider preferences naming an unknown provider (warning)
  fixture(
    'AR212 model provider.order naming an unknown provider',
    { [CONFIG]: OPENAI_CONFIG, [MODELS]: OPENAI_MODELS + '    provider: { order: [openai, opnai] }\n' },
    (f) => [warning('AR212', at(f, MODELS, 'opnai'), `provider.order names unknown provider 'opnai' (did you mean 'openai'?)`)],
  ),
  fixture(
    'AR212 preset provider.ignore naming an unknown provider',
    {
      [CONFIG]: OPENAI_CONFIG,
      [MODELS]: OPENAI_MODELS,
      'presets/fast.yaml': 'name: fast\nmodel: gpt-5.4-mini\nprovider:\n  ignore: [groq]\n',
    },
    (f) => [warning('AR212', at(f, 'presets/fast.yaml', 'groq'), `provider.ignore names unknown provider 'groq'`)],
  ),

  // ---- AR213: duplicate key name
  fixture(
    'AR213 two keys with the same name, at the second name',
    {
      [CONFIG]: OPENAI_CONFIG.replace(
        "keys: [{ name: 'main', value: env('OPENAI_API_KEY') }],",
        "keys: [\n        { name: 'main', value: env('OPENAI_API_KEY') },\n        { name: 'main', value: env('OPENAI_API_KEY_2') },\n      ],",
      ),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR213', at(f, CONFIG, "'main'", 2), `provider 'openai' has two keys named 'main'`)],
  ),

  // ---- AR214..AR216: virtual pools
  fixture(
    'AR214 pool id that is already a model id, at the pool key',
    {
      [CONFIG]: OPENAI_CONFIG.replace('  },\n});', "  },\n  pools: { 'openai/gpt-5.4-mini': { capabilities: [] } },\n});"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR214', at(f, CONFIG, "'openai/gpt-5.4-mini'"), `pool 'openai/gpt-5.4-mini' has the same name as model 'openai/gpt-5.4-mini'`)],
  ),
  fixture(
    'AR215 pool member that is not a model, with a did-you-mean',
    {
      [CONFIG]: OPENAI_CONFIG.replace('  },\n});', "  },\n  pools: { 'anyrouter/mini': { members: ['gpt-5.4-mnii'] } },\n});"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [error('AR215', at(f, CONFIG, "'gpt-5.4-mnii'"), `pool 'anyrouter/mini' names unknown model 'gpt-5.4-mnii'`, "did you mean 'gpt-5.4-mini'?")],
  ),
  fixture(
    'AR216 pool whose capabilities match no model (warning)',
    {
      [CONFIG]: OPENAI_CONFIG.replace('  },\n});', "  },\n  pools: { 'anyrouter/audio': { capabilities: ['audio'] } },\n});"),
      [MODELS]: OPENAI_MODELS,
    },
    (f) => [warning('AR216', at(f, CONFIG, "'anyrouter/audio'"), `pool 'anyrouter/audio' has no member`)],
  ),
];

describe('compiler diagnostics: one broken config per code', () => {
  for (const fx of fixtures) {
    it(fx.name, async () => {
      const { dir, result } = await compileTree(fx.files);
      const got = relativeTo(dir, result.diagnostics);
      expect(got.map(({ message: _, ...where }) => where), got.map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`).join('\n')).toEqual(
        fx.expect.map(({ says: _, ...where }) => where),
      );
      fx.expect.forEach((e, i) => {
        for (const s of e.says ?? []) expect(got[i]!.message).toContain(s);
      });
      for (const secret of fx.never ?? []) {
        for (const d of result.diagnostics) expect(formatDiagnostic(d)).not.toContain(secret);
      }
      const errors = fx.expect.some((e) => e.severity === 'error');
      // a bundle exactly when there are no errors (warnings do not block)
      expect(result.bundle === undefined).toBe(errors);
    });
  }

  it('AR001 config file that does not exist', async () => {
    const dir = await tempDir();
    const result = await compile(path.join(dir, 'anyrouter.config.ts'));
    expect(relativeTo(dir, result.diagnostics)).toEqual([
      { code: 'AR001', severity: 'error', file: 'anyrouter.config.ts', line: 1, column: 1, message: 'cannot read config: no such file' },
    ]);
  });

  it('a valid config compiles clean with and without the anyrouter import', async () => {
    for (const config of [OPENAI_CONFIG, BARE_OPENAI_CONFIG]) {
      const { result } = await compileTree({ [CONFIG]: config, [MODELS]: OPENAI_MODELS });
      expect(result.diagnostics).toEqual([]);
      expect(result.bundle?.models.map((m) => m.id)).toEqual(['openai/gpt-5.4-mini']);
    }
  });

  it('covers every code the compiler defines (a new code needs a fixture here)', () => {
    // virtual pools (AR214-AR216) are being added in parallel; their fixtures come with that work
    const pending = new Set<string>();
    const covered = new Set<string>(['AR001', ...fixtures.flatMap((f) => f.expect.map((e) => e.code))]);
    expect(Object.keys(DiagnosticCodes).filter((code) => !covered.has(code) && !pending.has(code))).toEqual([]);
  });
});
