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
});
