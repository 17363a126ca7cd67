/**
 * AnyRouter default config: usable as is, edit it to taste.
 *
 *   anyrouter check            validate this file + models/*.yaml + presets/*.yaml
 *   anyrouter build            compile them into dist/routing.json
 *   anyrouter serve            serve that bundle as one OpenAI- and Anthropic-compatible endpoint
 *
 * Keys are never written here. `env('NAME')` is a reference that the gateway reads from the
 * environment at serve time; the compiled bundle only keeps the name. Export the keys for the
 * providers you use:
 *
 *   export OPENAI_API_KEY=...  ANTHROPIC_API_KEY=...  OPENROUTER_API_KEY=...
 *
 * Add a key:       append `{ name: 'spare', value: env('OPENAI_API_KEY_2') }` to a provider's
 *                  `keys` and pick a `keyStrategy`: fallback (in order) | round-robin |
 *                  weighted (uses each key's `weight`) | random.
 * Add a provider:  add an entry below (its id is what model YAML names in `upstreams`).
 *                  `type: 'openai'` covers any OpenAI-compatible API (Together, Fireworks,
 *                  a local vLLM or Ollama server, ...); then list it under a model's `upstreams`.
 *                  Add `responses: true` when it also serves OpenAI Responses at /responses.
 * Add a model:     add it to a file in models/ (one file per model vendor).
 */
import { defineConfig, env } from 'anyrouter';

export default defineConfig({
  providers: {
    // OpenAI: GPT-6.x, GPT-5.4, embeddings.
    openai: {
      type: 'openai',
      baseUrl: 'https://api.openai.com/v1',
      responses: true, // also serves /responses: Codex's requests go to it as sent, reasoning items included
      keys: [
        { name: 'main', value: env('OPENAI_API_KEY') },
        // { name: 'spare', value: env('OPENAI_API_KEY_2'), weight: 2 },
      ],
      keyStrategy: 'fallback',
      timeoutMs: 600_000, // reasoning models at high effort can think for minutes
    },

    // Anthropic Messages API (the adapter adds the /messages path and the anthropic-version header).
    anthropic: {
      type: 'anthropic',
      baseUrl: 'https://api.anthropic.com/v1',
      keys: [{ name: 'main', value: env('ANTHROPIC_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 600_000,
    },

    // Google Gemini API (generateContent), keys from Google AI Studio.
    gemini: {
      type: 'gemini',
      baseUrl: 'https://generativelanguage.googleapis.com/v1beta',
      keys: [{ name: 'main', value: env('GEMINI_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 300_000,
    },

    // OpenRouter: the secondary upstream for nearly every model in the catalog.
    openrouter: {
      type: 'openai',
      baseUrl: 'https://openrouter.ai/api/v1',
      keys: [{ name: 'main', value: env('OPENROUTER_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 600_000,
    },

    // Groq: fast hosting of open-weight models (gpt-oss, Qwen).
    groq: {
      type: 'openai',
      baseUrl: 'https://api.groq.com/openai/v1',
      keys: [{ name: 'main', value: env('GROQ_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 60_000, // Groq answers fast; a slow attempt is better retried elsewhere
    },

    // DeepSeek (OpenAI-compatible; the /v1 suffix is accepted and unrelated to model versions).
    deepseek: {
      type: 'openai',
      baseUrl: 'https://api.deepseek.com/v1',
      keys: [{ name: 'main', value: env('DEEPSEEK_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 600_000,
    },

    // Mistral La Plateforme: Mistral's models, plus hosted DeepSeek and GLM (secondary upstreams).
    mistral: {
      type: 'openai',
      baseUrl: 'https://api.mistral.ai/v1',
      keys: [{ name: 'main', value: env('MISTRAL_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 300_000,
    },

    // xAI Grok API (OpenAI-compatible).
    xai: {
      type: 'openai',
      baseUrl: 'https://api.x.ai/v1',
      keys: [{ name: 'main', value: env('XAI_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 300_000,
    },

    // Z.ai (GLM) pay-as-you-go API. Coding Plan subscribers use https://api.z.ai/api/coding/paas/v4.
    zai: {
      type: 'openai',
      baseUrl: 'https://api.z.ai/api/paas/v4',
      keys: [{ name: 'main', value: env('ZAI_API_KEY') }],
      keyStrategy: 'fallback',
      timeoutMs: 300_000,
    },
  },

  // cooldownMs: how long an upstream that answered 408/5xx/timeout is skipped.
  // maxAttempts: (upstream, key) attempts per request, across model fallbacks too.
  routing: { cooldownMs: 30_000, maxAttempts: 6 },

  // Virtual models: "model": "anyrouter/coding" serves the strongest member (highest `rank` in the
  // model YAML) whose provider has a key, and falls through the rest.
  pools: {
    'anyrouter/byok': { description: 'Every chat model the configured keys can reach, strongest first.', exclude: ['openai/text-embedding-3-small', 'openai/text-embedding-3-large'] },
    'anyrouter/coding': { description: 'Coding-capable models, strongest first.', capabilities: ['coding'] },
    'anyrouter/agent': { description: 'Tool-calling models for agents, strongest first.', capabilities: ['tools', 'streaming'] },
  },

  models: 'models', // folder of model YAML, relative to this file
  presets: 'presets', // folder of preset YAML ("model": "@preset/coding")

  server: { port: 8787 },
});
