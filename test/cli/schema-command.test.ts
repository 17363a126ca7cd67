/**
 * `anyrouter schema`: JSON Schema for the model and preset YAML, generated from the zod schemas.
 * The committed schema/ files are what the command writes today; every model and preset file in
 * the repository validates against them (and starts with the modeline pointing at them); the
 * schemas reject what the compiler rejects (unknown fields, a bad id, a missing price).
 */
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelFileJsonSchema, presetFileJsonSchema, schemaFiles } from '../../src/cli/schema/yaml-json-schemas.js';
import { removeTempDirs } from '../compiler/support.js';
import { validate } from './json-schema-subset.js';
import { project, requireBuiltCli, runCli } from './support.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

beforeAll(requireBuiltCli);
afterAll(removeTempDirs);

async function yamlFiles(folder: string): Promise<Array<{ name: string; text: string }>> {
  const names = (await readdir(path.join(ROOT, folder))).filter((n) => n.endsWith('.yaml')).sort();
  return Promise.all(names.map(async (name) => ({ name: `${folder}/${name}`, text: await readFile(path.join(ROOT, folder, name), 'utf8') })));
}

describe('anyrouter schema', () => {
  it('writes models.schema.json and presets.schema.json into --out DIR, identical to the committed schema/ files', async () => {
    const dir = await project({});
    const { code, stdout } = await runCli(['schema', '--out', 'editor'], dir);
    expect(code).toBe(0);
    expect(stdout).toBe(`wrote ${path.join('editor', 'models.schema.json')}\nwrote ${path.join('editor', 'presets.schema.json')}\n`);
    for (const name of ['models.schema.json', 'presets.schema.json']) {
      const written = await readFile(path.join(dir, 'editor', name), 'utf8');
      expect(written).toBe(schemaFiles()[name]);
      expect(written, `schema/${name} is stale: run \`anyrouter schema\``).toBe(await readFile(path.join(ROOT, 'schema', name), 'utf8'));
    }
  });

  it('defaults to schema/ and rejects a positional argument (exit 2)', async () => {
    const dir = await project({});
    expect((await runCli(['schema'], dir)).code).toBe(0);
    expect(JSON.parse(await readFile(path.join(dir, 'schema', 'models.schema.json'), 'utf8')).title).toBe('AnyRouter model file');
    expect((await runCli(['schema', 'somewhere'], dir)).code).toBe(2);
  });

  it("every models/*.yaml in the repository points at the schema and validates against it", async () => {
    const schema = modelFileJsonSchema();
    const files = await yamlFiles('models');
    expect(files.length).toBeGreaterThan(0);
    for (const { name, text } of files) {
      expect(text.split('\n')[0], name).toBe('# yaml-language-server: $schema=../schema/models.schema.json');
      expect(validate(schema, parse(text)), name).toEqual([]);
    }
  });

  it('every presets/*.yaml in the repository points at the schema and validates against it', async () => {
    const schema = presetFileJsonSchema();
    const files = await yamlFiles('presets');
    expect(files.length).toBeGreaterThan(0);
    for (const { name, text } of files) {
      expect(text.split('\n')[0], name).toBe('# yaml-language-server: $schema=../schema/presets.schema.json');
      expect(validate(schema, parse(text)), name).toEqual([]);
    }
  });

  it('rejects what the compiler rejects: an unknown field, a non-canonical id, a missing price, a bad capability, a preset without a model', () => {
    const model = { id: 'openai/gpt-5.4-mini', context: 400000, pricing: { prompt: 1, completion: 2 }, upstreams: [{ provider: 'openai', model: 'x' }] };
    expect(validate(modelFileJsonSchema(), { models: [model] })).toEqual([]);
    expect(validate(modelFileJsonSchema(), { models: [{ ...model, contxt: 1 }] })).toEqual(["$.models[0]: unknown field 'contxt'"]);
    expect(validate(modelFileJsonSchema(), { models: [{ ...model, id: 'gpt-5.4-mini' }] })[0]).toMatch(/^\$\.models\[0\]\.id: does not match/);
    expect(validate(modelFileJsonSchema(), { models: [{ ...model, pricing: { prompt: 1 } }] })).toEqual(["$.models[0].pricing: missing required 'completion'"]);
    expect(validate(modelFileJsonSchema(), { models: [{ ...model, capabilities: ['telepathy'] }] })[0]).toMatch(/capabilities\[0\]: "telepathy" is not one of/);
    expect(validate(modelFileJsonSchema(), { models: [{ ...model, upstreams: [{ provider: 'openai', model: 'x', priority: -1 }] }] })).toEqual(['$.models[0].upstreams[0].priority: below 0']);
    expect(validate(presetFileJsonSchema(), { name: 'coding' })).toEqual(["$: missing required 'model'"]);
    expect(validate(presetFileJsonSchema(), { name: 'coding', model: 'x', provider: { sort: 'cheapest' } })[0]).toMatch(/provider\.sort: matches none/);
  });

  it('fields with defaults are optional (the input side of the zod schemas) and carry hover text', () => {
    const model = (modelFileJsonSchema().properties as Record<string, { items: { required: string[]; properties: Record<string, { description?: string }> } }>).models!.items;
    expect(model.required.sort()).toEqual(['context', 'id', 'pricing']);
    expect(model.properties.upstreams!.description).toContain('lower priority is tried first');
    expect((presetFileJsonSchema().required as string[]).sort()).toEqual(['model', 'name']);
  });
});
