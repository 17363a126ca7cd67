/** `state.redis.commandTimeoutMs`: compiled into the bundle with its default filled (250 ms), and checked with located diagnostics. */
import { afterAll, describe, expect, it } from 'vitest';
import { OPENAI_CONFIG, OPENAI_MODELS, compileTree, positionOf, relativeTo, removeTempDirs } from './support.js';

afterAll(removeTempDirs);

const CONFIG = 'anyrouter.config.ts';
const withRedis = (redis: string) => OPENAI_CONFIG.replace('  providers: {', `  state: { redis: ${redis} },\n  providers: {`);

async function compiled(config: string) {
  const { dir, result } = await compileTree({ [CONFIG]: config, 'models/openai.yaml': OPENAI_MODELS });
  return { result, diagnostics: relativeTo(dir, result.diagnostics).map((d) => `${d.file}:${d.line}:${d.column}: ${d.severity} ${d.code}: ${d.message}`) };
}

describe('state.redis.commandTimeoutMs', () => {
  it('defaults to 250 ms in the bundle; a value given is kept', async () => {
    expect((await compiled(withRedis("{ url: 'redis://127.0.0.1:6379' }"))).result.bundle?.state?.redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'anyrouter:', onError: 'open', commandTimeoutMs: 250 });
    expect((await compiled(withRedis("{ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 1000 }"))).result.bundle?.state?.redis?.commandTimeoutMs).toBe(1000);
  });

  it('a timeout that is not a whole number of ms from 1 to 60000 is a located error', async () => {
    const config = withRedis("{ url: 'redis://127.0.0.1:6379', commandTimeoutMs: 0 }");
    const { diagnostics, result } = await compiled(config);
    const { line, column } = positionOf(config, '0 }');
    expect(diagnostics).toEqual([expect.stringMatching(new RegExp(`^${CONFIG}:${line}:${column}: error AR\\d+: state.redis.commandTimeoutMs: `))]);
    expect(result.bundle).toBeUndefined();
  });
});
