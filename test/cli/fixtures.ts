/**
 * Config trees for the CLI tests. BASE and HEAD differ by exactly three routing changes:
 * gpt-5.4-mini's two upstreams swap places, gpt-5.4-mini loses its `mini` alias, and gpt-5.4's
 * prompt price goes from 2.5 to 2.0.
 */
import type { BundleChange } from '../../src/cli/diff/bundle-change.js';
import { dedent, type FileTree } from '../compiler/support.js';

export const TWO_PROVIDER_CONFIG = dedent(`
  import { defineConfig, env } from 'anyrouter';

  export default defineConfig({
    providers: {
      openai: { type: 'openai', baseUrl: 'https://api.openai.com/v1', keys: [{ name: 'main', value: env('OPENAI_API_KEY') }] },
      openrouter: { type: 'openai', baseUrl: 'https://openrouter.ai/api/v1', keys: [{ name: 'main', value: env('OPENROUTER_API_KEY') }] },
    },
    routing: { cooldownMs: 30_000, maxAttempts: 6 },
  });
`);

export function catalog(options: { miniFirst: 'openai' | 'openrouter'; miniAliases: string[]; gpt54Prompt: number }): string {
  const [openaiPriority, openrouterPriority] = options.miniFirst === 'openai' ? [1, 2] : [2, 1];
  return dedent(`
    models:
      - id: openai/gpt-5.4
        aliases: [gpt-5.4]
        context: 1050000
        capabilities: [tools, json]
        pricing: { prompt: ${options.gpt54Prompt}, completion: 15.0 }
        upstreams:
          - { provider: openai, model: gpt-5.4, priority: 1 }
          - { provider: openrouter, model: openai/gpt-5.4, priority: 2 }

      - id: openai/gpt-5.4-mini
        aliases: [${options.miniAliases.join(', ')}]
        context: 400000
        capabilities: [tools, json]
        pricing: { prompt: 0.75, completion: 4.5 }
        upstreams:
          - { provider: openai, model: gpt-5.4-mini, priority: ${openaiPriority} }
          - { provider: openrouter, model: openai/gpt-5.4-mini, priority: ${openrouterPriority} }
  `);
}

export const CODING_PRESET = dedent(`
  name: coding
  model: gpt-5.4
  models: [gpt-5.4-mini]
  provider: { sort: latency }
  system: You are a careful coding assistant.
`);

export const BASE_TREE: FileTree = {
  'anyrouter.config.ts': TWO_PROVIDER_CONFIG,
  'models/openai.yaml': catalog({ miniFirst: 'openai', miniAliases: ['gpt-5.4-mini', 'mini'], gpt54Prompt: 2.5 }),
  'presets/coding.yaml': CODING_PRESET,
};

export const HEAD_TREE: FileTree = {
  ...BASE_TREE,
  'models/openai.yaml': catalog({ miniFirst: 'openrouter', miniAliases: ['gpt-5.4-mini'], gpt54Prompt: 2.0 }),
};

/** What `diff BASE HEAD` must report: exactly these three, in this order. */
export const THREE_CHANGES: BundleChange[] = [
  {
    kind: 'price-change',
    subject: { type: 'model', id: 'openai/gpt-5.4' },
    before: { prompt: 2.5, completion: 15 },
    after: { prompt: 2, completion: 15 },
  },
  { kind: 'removed-alias', subject: { type: 'model', id: 'openai/gpt-5.4-mini' }, alias: 'mini' },
  {
    kind: 'reordered-upstreams',
    subject: { type: 'model', id: 'openai/gpt-5.4-mini' },
    before: [
      { provider: 'openai', model: 'gpt-5.4-mini', priority: 1, rank: 1 },
      { provider: 'openrouter', model: 'openai/gpt-5.4-mini', priority: 2, rank: 2 },
    ],
    after: [
      { provider: 'openrouter', model: 'openai/gpt-5.4-mini', priority: 1, rank: 1 },
      { provider: 'openai', model: 'gpt-5.4-mini', priority: 2, rank: 2 },
    ],
  },
];
