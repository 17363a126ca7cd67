import { describe, expect, it } from 'vitest';
import { createGatewayState, reloadGatewayState } from '../../src/runtime/gateway-state.js';
import { handModel, handProvider, handWorld } from '../policy/arbitraries.js';

describe('reloadGatewayState', () => {
  it('keeps health for providers that did not change and drops it for those that did', () => {
    const world = handWorld({ providers: [handProvider('same'), handProvider('moved')], models: [handModel('v/a', ['same', 'moved'])] });
    const state = createGatewayState(world.bundle, world.env);
    const now = Date.now();
    state.health.coolUpstream('same/a', now + 60_000, 'http_500', now);
    state.health.coolUpstream('moved/a', now + 60_000, 'http_500', now);
    state.health.quarantineKey('same#byok-0', now + 60_000, 'http_401', now);
    state.health.quarantineKey('moved#byok-0', now + 60_000, 'http_401', now);

    const next = structuredClone(world.bundle);
    next.providers.moved!.baseUrl = 'https://elsewhere.example/v1';
    const reloaded = reloadGatewayState(state, next, world.env);

    expect(reloaded.table.bundle).toBe(next);
    expect(reloaded.health).toBe(state.health);
    expect(reloaded.health.upstreamCoolingUntil('same/a', now)).toBe(now + 60_000);
    expect(reloaded.health.keyQuarantinedUntil('same#byok-0', now)).toBe(now + 60_000);
    expect(reloaded.health.upstreamCoolingUntil('moved/a', now)).toBeUndefined();
    expect(reloaded.health.keyQuarantinedUntil('moved#byok-0', now)).toBeUndefined();
    // the old state is untouched for requests still in flight on it
    expect(state.table.bundle).toBe(world.bundle);
  });

  it('keeps the response cache across a reload, under the new bundle\'s cache bounds: what is over them goes, oldest first', () => {
    const world = handWorld({ providers: [handProvider('same')], models: [handModel('v/a', ['same'])] });
    const state = createGatewayState({ ...world.bundle, cache: { maxBytes: 100_000, maxEntryBytes: 10_000 } }, world.env);
    const answer = (n: number) => ({ status: 200, headers: {}, body: Buffer.alloc(n), model: 'v/a', expiresAt: Number.MAX_SAFE_INTEGER });
    for (const key of ['one', 'two', 'three']) state.responseCache.set(key, answer(5_000), 0);
    const reloaded = reloadGatewayState(state, { ...world.bundle, cache: { maxBytes: 12_000, maxEntryBytes: 1_000 } }, world.env);
    expect(reloaded.responseCache).toBe(state.responseCache);
    expect(reloaded.responseCache.bytes).toBeLessThanOrEqual(12_000);
    expect(reloaded.responseCache.get('one', 0)).toBeUndefined();
    expect(reloaded.responseCache.get('three', 0)).toBeDefined();
    expect(reloaded.responseCache.maxEntryBytes).toBe(1_000);
    expect(reloaded.responseCache.counts.evictions).toBe(1);
  });
});
