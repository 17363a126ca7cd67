/** `cache: { maxBytes, maxEntryBytes }`: compiled into the bundle with its defaults filled, and checked with located diagnostics like every other setting. */
import { afterAll, describe, expect, it } from 'vitest';
import { OPENAI_CONFIG, OPENAI_MODELS, compileTree, positionOf, relativeTo, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

const CONFIG = 'anyrouter.config.ts';
const withCache = (cache: string) => OPENAI_CONFIG.replace('  providers: {', `  cache: ${cache},\n  providers: {`);

async function diagnosticsOf(config: string) {
  const { dir, result } = await compileTree({ [CONFIG]: config, 'models/openai.yaml': OPENAI_MODELS });
  return { result, diagnostics: relativeTo(dir, result.diagnostics).map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`) };
}

const where = (config: string, needle: string) => {
  const { line, column } = positionOf(config, needle);
  return `${CONFIG}:${line}:${column}`;
};

describe('cache settings', () => {
  it('go into the bundle with the entry cap defaulting to 8 MiB or maxBytes, whichever is smaller; absent, the bundle has none', async () => {
    expect((await diagnosticsOf(withCache('{ maxBytes: 1048576 }'))).result.bundle?.cache).toEqual({ maxBytes: 1_048_576, maxEntryBytes: 1_048_576 });
    expect((await diagnosticsOf(withCache('{ maxEntryBytes: 65536 }'))).result.bundle?.cache).toEqual({ maxBytes: 64 * 1024 * 1024, maxEntryBytes: 65_536 });
    expect((await diagnosticsOf(withCache('{}'))).result.bundle?.cache).toEqual({ maxBytes: 64 * 1024 * 1024, maxEntryBytes: 8 * 1024 * 1024 });
    expect((await diagnosticsOf(OPENAI_CONFIG)).result.bundle?.cache).toBeUndefined();
  });

  it('an entry cap over the store bound is an AR105 at the cap', async () => {
    const config = withCache('{ maxBytes: 1000, maxEntryBytes: 5000 }');
    const { diagnostics, result } = await diagnosticsOf(config);
    expect(diagnostics).toEqual([`${where(config, '5000')}: error AR105: cache.maxEntryBytes: maxEntryBytes (5000) is over maxBytes (1000): no entry that large would fit`]);
    expect(result.bundle).toBeUndefined();
  });

  it('a size that is not a positive whole number, a wrong type and an unknown field are located errors', async () => {
    const config = withCache("{ maxBytes: -1, maxEntryBytes: '1MB', maxEntryByte: 3 }");
    const { diagnostics } = await diagnosticsOf(config);
    expect(diagnostics).toEqual([
      expect.stringMatching(new RegExp(`^${where(config, '-1')}: error AR105: cache.maxBytes: `)),
      `${where(config, "'1MB'")}: error AR101: cache.maxEntryBytes: expected number, got string "1MB"`,
      `${where(config, 'maxEntryByte:')}: error AR102: unknown field 'maxEntryByte' in cache (did you mean 'maxEntryBytes'?)`,
    ]);
  });
});
