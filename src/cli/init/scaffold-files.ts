/** The files `anyrouter init` writes: a config with one provider, an example model and preset, and the editor schemas. */
import { MODELS_SCHEMA_FILE, PRESETS_SCHEMA_FILE, schemaFiles } from '../schema/yaml-json-schemas.js';

const CONFIG = `/**
 * AnyRouter config.
 *
 *   anyrouter check     validate this file + models/*.yaml + presets/*.yaml
 *   anyrouter build     compile them into dist/routing.json
 *   anyrouter serve     serve that bundle as one OpenAI-compatible endpoint
 *
 * Keys are never written here: env('NAME') is read from the environment when the gateway starts.
 */
import { defineConfig, env } from 'anyrouter';

export default defineConfig({
  providers: {
    openai: {
      type: 'openai', // any OpenAI-compatible API (Together, vLLM, Ollama, ...) uses this adapter
      baseUrl: 'https://api.openai.com/v1',
      responses: true, // it also serves /responses: Codex's requests go to it untranslated
      keys: [{ name: 'main', value: env('OPENAI_API_KEY') }],
      keyStrategy: 'fallback', // fallback | round-robin | weighted | random
    },
  },

  // cooldownMs: how long an upstream is ejected after 5 failures (408/5xx/timeout) in a row (see routing.outlier).
  // maxAttempts: (upstream, key) attempts per request, across model fallbacks too.
  routing: { cooldownMs: 30_000, maxAttempts: 6 },

  models: 'models', // folder of model YAML, relative to this file
  presets: 'presets', // folder of preset YAML ("model": "@preset/example")
});
`;

const MODELS = `# yaml-language-server: $schema=../schema/${MODELS_SCHEMA_FILE}
#
# Models: a canonical id, the aliases clients may use, pricing (USD per 1M tokens) and the
# upstreams that serve it (lower priority is tried first).
models:
  - id: openai/gpt-5.4-mini
    name: GPT-5.4 mini
    aliases: [gpt-5.4-mini]
    context: 400000
    maxOutput: 128000
    capabilities: [tools, vision, json, reasoning, streaming]
    pricing: { prompt: 0.75, completion: 4.50, cacheRead: 0.075 }
    upstreams:
      - { provider: openai, model: gpt-5.4-mini, priority: 1 }
`;

const PRESETS = `# yaml-language-server: $schema=../schema/${PRESETS_SCHEMA_FILE}
#
# Use with "model": "@preset/example".
name: example
description: Short answers from GPT-5.4 mini.
model: openai/gpt-5.4-mini
system: Answer concisely.
params: {}
`;

/** Relative path (with `/`) to contents. */
export function scaffoldFiles(): Record<string, string> {
  const files: Record<string, string> = {
    'anyrouter.config.ts': CONFIG,
    'models/example.yaml': MODELS,
    'presets/example.yaml': PRESETS,
  };
  for (const [name, text] of Object.entries(schemaFiles())) files[`schema/${name}`] = text;
  return files;
}
