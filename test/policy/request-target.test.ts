/** Examples of resolveTarget: `:floor`/`:nitro` suffixes and virtual pool models. */
import { describe, expect, it } from 'vitest';
import { resolveTarget, type RequestTarget, type TargetError } from '../../src/runtime/policy/request-target.js';
import { handModel, handProvider, handWorld, isRouteError, keyEnv, route, tableOf } from './arbitraries.js';

const world = handWorld({
  providers: [handProvider('alpha'), handProvider('bravo'), handProvider('charlie')],
  models: [
    handModel('acme/big', ['alpha', 'bravo'], { aliases: ['big'] }),
    handModel('acme/small', ['bravo']),
    handModel('acme/odd:floor', ['charlie']),
    handModel('acme/keyless', ['charlie']),
  ],
  presets: [{ name: 'fast', model: 'acme/small', models: [], params: {} }],
  pools: [
    { id: 'anyrouter/coding', members: ['acme/keyless', 'acme/big', 'acme/small'] },
    { id: 'anyrouter/empty', members: ['acme/keyless'] },
  ],
});
// charlie's key is not set: acme/keyless (and acme/odd:floor) have no present key
const env = { [keyEnv('alpha', 0)]: 'a', [keyEnv('bravo', 0)]: 'b' };
const table = tableOf(world, env);

const ok = (t: RequestTarget | TargetError): RequestTarget => {
  if ('status' in t) throw new Error(`unexpected ${t.status}: ${t.message}`);
  return t;
};
const ids = (t: RequestTarget) => t.models.map((m) => m.spec.id);

describe('model suffixes', () => {
  it(':floor sorts by price and :nitro by throughput, on ids and aliases in any case', () => {
    expect(ok(resolveTarget(table, { model: 'acme/big:floor' }))).toMatchObject({ suffixSort: 'price' });
    expect(ids(ok(resolveTarget(table, { model: 'acme/big:floor' })))).toEqual(['acme/big']);
    expect(ok(resolveTarget(table, { model: 'BIG:nitro' }))).toMatchObject({ suffixSort: 'throughput' });
    expect(ids(ok(resolveTarget(table, { model: 'BIG:nitro' })))).toEqual(['acme/big']);
  });

  it('no suffix, no suffix sort', () => {
    expect(ok(resolveTarget(table, { model: 'acme/big' })).suffixSort).toBeUndefined();
  });

  it('an unknown suffix is a 404 for the whole name', () => {
    const result = resolveTarget(table, { model: 'acme/big:cheapest' });
    expect(result).toMatchObject({ status: 404, code: 'model_not_found' });
    expect((result as TargetError).message).toContain("'acme/big:cheapest'");
  });

  it('a model whose id ends in a suffix-like part is that model, not a sorted variant', () => {
    const target = ok(resolveTarget(table, { model: 'acme/odd:floor' }));
    expect(ids(target)).toEqual(['acme/odd:floor']);
    expect(target.suffixSort).toBeUndefined();
  });

  it('a suffix combines with a preset, and is stripped from fallback models', () => {
    const target = ok(resolveTarget(table, { model: 'big:floor@preset/fast', models: ['acme/small:nitro'] }));
    expect(ids(target)).toEqual(['acme/big', 'acme/small']);
    expect(target.suffixSort).toBe('price');
    expect(target.preset?.name).toBe('fast');
  });

  it(':floor ranks the primary model by price through planRoute', () => {
    const priced = handWorld({
      providers: [handProvider('alpha'), handProvider('bravo'), handProvider('charlie')],
      models: [
        handModel('acme/big', ['alpha', 'bravo', 'charlie'], {
          candidates: [
            { provider: 'alpha', model: 'big', priority: 1, pricing: { prompt: 3, completion: 3 } },
            { provider: 'bravo', model: 'big', priority: 2, pricing: { prompt: 1, completion: 1, request: 0.01 } },
            { provider: 'charlie', model: 'big', priority: 3, pricing: { prompt: 1, completion: 1 } },
          ],
        }),
      ],
    });
    const routed = route(tableOf(priced), { model: 'acme/big:floor', messages: [] });
    if (isRouteError(routed)) throw new Error(routed.message);
    expect(routed.ranked.map((c) => c.upstream)).toEqual(['charlie/big', 'bravo/big', 'alpha/big']);
  });
});

describe('virtual pools', () => {
  it('a member without a present key is left out; the rest keep their rank order', () => {
    expect(table.pools.get('anyrouter/coding')?.keyless).toEqual(['acme/keyless']);
    const target = ok(resolveTarget(table, { model: 'anyrouter/coding' }));
    expect(ids(target)).toEqual(['acme/big', 'acme/small']);
    expect(target.origins.every((o) => o.includes('pool anyrouter/coding'))).toBe(true);
  });

  it('a pool id is case-insensitive and expands in place in a models list, without repeating a model', () => {
    const target = ok(resolveTarget(table, { model: 'acme/small', models: ['AnyRouter/Coding', 'big'] }));
    expect(ids(target)).toEqual(['acme/small', 'acme/big']);
  });

  it('a pool with no member left is a 503 telling to add a key', () => {
    const result = resolveTarget(table, { model: 'anyrouter/empty' });
    expect(result).toMatchObject({ status: 503, code: 'pool_has_no_keys' });
    expect((result as TargetError).message).toContain('anyrouter/empty');
    expect((result as TargetError).message).toMatch(/add a provider key/);
  });

  it('with every key present, every member counts', () => {
    const full = tableOf(world);
    expect(ids(ok(resolveTarget(full, { model: 'anyrouter/coding' })))).toEqual(['acme/keyless', 'acme/big', 'acme/small']);
    expect(ids(ok(resolveTarget(full, { model: 'anyrouter/empty' })))).toEqual(['acme/keyless']);
  });

  it('an unknown model suggests a pool or model name', () => {
    const result = resolveTarget(table, { model: 'anyrouter/codin' });
    expect(result).toMatchObject({ status: 404, code: 'model_not_found' });
    expect((result as TargetError).message).toContain("did you mean 'anyrouter/coding'?");
  });
});
