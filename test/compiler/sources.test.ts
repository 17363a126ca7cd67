/** The locators that turn a value path into a line and column: in YAML (source ranges) and in TS (ts-morph). */
import { LineCounter, parseDocument } from 'yaml';
import { describe, expect, it } from 'vitest';
import { locateInTs, locateInYaml, type TsSource, type YamlSource } from '../../src/compiler/sources.js';
import { dedent, positionOf } from './support.js';

function yamlSource(text: string): YamlSource {
  const lines = new LineCounter();
  return { kind: 'yaml', file: 'x.yaml', doc: parseDocument(text, { lineCounter: lines }), lines };
}
const tsSource = (text: string): TsSource => ({ kind: 'ts', file: 'anyrouter.config.ts', text });

describe('locateInYaml', () => {
  const text = dedent(`
    models:
      - id: openai/gpt-5.4
        aliases: [gpt-5.4, gpt5]
        pricing: { prompt: 1.25, completion: 10 }
        upstreams:
          - { provider: openai, model: gpt-5.4 }
          - provider: openrouter
            model: openai/gpt-5.4
  `);
  const source = yamlSource(text);

  it('finds values in block maps, flow maps, flow and block sequences', () => {
    expect(locateInYaml(source, ['models', 0, 'id'])).toEqual(positionOf(text, 'openai/gpt-5.4'));
    expect(locateInYaml(source, ['models', 0, 'aliases', 1])).toEqual(positionOf(text, 'gpt5'));
    expect(locateInYaml(source, ['models', 0, 'pricing', 'completion'])).toEqual(positionOf(text, '10 }'));
    expect(locateInYaml(source, ['models', 0, 'upstreams', 0, 'model'])).toEqual(positionOf(text, 'gpt-5.4 }'));
    expect(locateInYaml(source, ['models', 0, 'upstreams', 1, 'provider'])).toEqual(positionOf(text, 'openrouter'));
    expect(locateInYaml(source, ['models', 0, 'upstreams', 1])).toEqual(positionOf(text, 'provider: openrouter'));
  });

  it('points at the key when asked (unknown fields)', () => {
    expect(locateInYaml(source, ['models', 0, 'pricing'], true)).toEqual(positionOf(text, 'pricing'));
    expect(locateInYaml(source, ['models', 0, 'upstreams', 1, 'model'], true)).toEqual(positionOf(text, 'model: openai'));
  });

  it('falls back to the deepest node that exists', () => {
    expect(locateInYaml(source, ['models', 0, 'context'])).toEqual(positionOf(text, 'id: openai'));
    expect(locateInYaml(source, ['models', 7, 'id'])).toEqual(positionOf(text, '- id'));
    expect(locateInYaml(source, [])).toEqual({ line: 1, column: 1 });
  });
});

describe('locateInTs', () => {
  it('walks through defineConfig(...), `satisfies` and `as const` to the value', async () => {
    const text = dedent(`
      import { defineConfig, env } from 'anyrouter';

      export default defineConfig({
        providers: {
          openai: {
            type: 'openai',
            baseUrl: 'https://api.openai.com/v1',
            keys: [{ name: 'main', value: env('OPENAI_API_KEY') }, { name: 'spare', value: env('OPENAI_API_KEY_2') }],
            headers: { 'OpenAI-Organization': 'org-1' },
          } satisfies object,
        },
        routing: { maxAttempts: 3 } as const,
      });
    `);
    const source = tsSource(text);
    expect(await locateInTs(source, ['providers', 'openai', 'baseUrl'])).toEqual(positionOf(text, `'https://api.openai.com/v1'`));
    expect(await locateInTs(source, ['providers', 'openai', 'keys', 1, 'name'])).toEqual(positionOf(text, `'spare'`));
    // an env() call is a value, not a wrapper to look through
    expect(await locateInTs(source, ['providers', 'openai', 'keys', 0, 'value', 'env'])).toEqual(positionOf(text, `env('OPENAI_API_KEY')`));
    expect(await locateInTs(source, ['providers', 'openai', 'headers', 'OpenAI-Organization'])).toEqual(positionOf(text, `'org-1'`));
    expect(await locateInTs(source, ['routing', 'maxAttempts'])).toEqual(positionOf(text, '3 }'));
    expect(await locateInTs(source, ['providers', 'openai', 'type'], true)).toEqual(positionOf(text, 'type:'));
    // a missing field is reported on the object that lacks it
    expect(await locateInTs(source, ['providers', 'openai', 'timeoutMs'])).toEqual(positionOf(text, `{\n      type`));
  });

  it('follows identifiers and shorthand properties to their declarations in a bare export', async () => {
    const text = dedent(`
      const openai = {
        type: 'openai',
        baseUrl: 'http://localhost:11434/v1',
      };
      const config = { providers: { openai }, models: 'catalog' };
      export default config;
    `);
    const source = tsSource(text);
    expect(await locateInTs(source, ['providers', 'openai', 'baseUrl'])).toEqual(positionOf(text, `'http://localhost:11434/v1'`));
    expect(await locateInTs(source, ['models'])).toEqual(positionOf(text, `'catalog'`));
  });

  it('answers 1:1 when there is no default export to walk', async () => {
    expect(await locateInTs(tsSource('export const config = {};\n'), ['providers'])).toEqual({ line: 1, column: 1 });
  });
});
