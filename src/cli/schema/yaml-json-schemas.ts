/**
 * JSON Schema for the model and preset YAML, generated from the compiler's zod schemas so editors
 * (yaml-language-server: `# yaml-language-server: $schema=../schema/models.schema.json`) validate
 * and complete what the compiler accepts. Input side: fields with defaults are optional.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { modelSchema } from '../../compiler/schema/model.js';
import { presetSchema } from '../../compiler/schema/preset.js';

export const MODELS_SCHEMA_FILE = 'models.schema.json';
export const PRESETS_SCHEMA_FILE = 'presets.schema.json';

type JsonSchema = Record<string, unknown>;

/** Hover text for the fields editors show most; the schema itself comes from zod. */
const MODEL_FIELDS: Record<string, string> = {
  id: 'Canonical "provider/model" id, e.g. openai/gpt-5.4-mini.',
  name: 'Display name.',
  aliases: 'Bare names that resolve to this model (matched case-insensitively).',
  context: 'Context window in tokens.',
  maxOutput: 'Maximum output tokens.',
  capabilities: 'What the model supports; requests needing a capability skip models without it, and pools select by it.',
  pricing: 'USD per 1M tokens (request: USD per request).',
  upstreams: 'Providers that serve this model; lower priority is tried first.',
  fallbacks: 'Models tried, in order, when every upstream of this one fails.',
  rank: 'Strength for virtual pools: higher is tried first.',
  provider: 'Default provider preferences (OpenRouter-style provider object) for requests to this model.',
};

const UPSTREAM_FIELDS: Record<string, string> = {
  provider: 'A provider id from anyrouter.config.ts.',
  model: 'The model name this provider expects.',
  priority: 'Lower is tried first (default 1).',
  pricing: "Overrides the model's pricing for this upstream.",
  parameters: 'Request parameters this upstream supports (for provider.require_parameters).',
};

const PRESET_FIELDS: Record<string, string> = {
  name: 'Lowercase slug; requests use "model": "@preset/<name>".',
  description: 'What the preset is for.',
  model: 'The model (id or alias) tried first.',
  models: 'Model fallbacks, tried in order.',
  provider: 'Default provider preferences for requests to this preset.',
  system: 'System prompt prepended to requests.',
  params: 'Default request parameters (e.g. temperature).',
};

function describeProperties(schema: JsonSchema, descriptions: Record<string, string>): void {
  const properties = schema.properties as Record<string, JsonSchema> | undefined;
  for (const [key, text] of Object.entries(descriptions)) {
    const property = properties?.[key];
    if (property) properties[key] = { description: text, ...property };
  }
}

function toJsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema, { io: 'input', target: 'draft-7' }) as JsonSchema;
}

/** A model file: `{ models: [model, ...] }`. */
export function modelFileJsonSchema(): JsonSchema {
  const schema = toJsonSchema(z.object({ models: z.array(modelSchema) }).strict());
  const models = (schema.properties as Record<string, JsonSchema>).models!;
  const model = models.items as JsonSchema;
  describeProperties(model, MODEL_FIELDS);
  const upstreams = (model.properties as Record<string, JsonSchema>).upstreams!;
  describeProperties(upstreams.items as JsonSchema, UPSTREAM_FIELDS);
  return { $schema: schema.$schema, title: 'AnyRouter model file', description: 'models/*.yaml: models with their aliases, pricing and upstreams.', ...schema };
}

/** A preset file: one preset. */
export function presetFileJsonSchema(): JsonSchema {
  const schema = toJsonSchema(presetSchema);
  describeProperties(schema, PRESET_FIELDS);
  return { $schema: schema.$schema, title: 'AnyRouter preset file', description: 'presets/*.yaml: one preset, used as "model": "@preset/<name>".', ...schema };
}

/** File name to contents, as written by `anyrouter schema`. */
export function schemaFiles(): Record<string, string> {
  return {
    [MODELS_SCHEMA_FILE]: JSON.stringify(modelFileJsonSchema(), null, 2) + '\n',
    [PRESETS_SCHEMA_FILE]: JSON.stringify(presetFileJsonSchema(), null, 2) + '\n',
  };
}

/** Writes both schema files into `dir` (created if missing); returns the paths written. */
export async function writeSchemaFiles(dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const [name, text] of Object.entries(schemaFiles())) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}
