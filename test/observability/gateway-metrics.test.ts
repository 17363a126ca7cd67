import { describe, expect, it } from 'vitest';
import { HealthState } from '../../src/runtime/engine/health.js';
import { GatewayMetrics } from '../../src/runtime/observability/gateway-metrics.js';
import { attempt, record } from './fixtures.js';

function metrics(): GatewayMetrics {
  return new GatewayMetrics({ health: () => new HealthState(), now: () => 0, droppedRecords: () => 0, droppedAccessLogLines: () => 0 });
}

const line = (text: string, prefix: string) => text.split('\n').filter((l) => l.startsWith(prefix));

describe('gateway metrics', () => {
  it('counts requests, attempts and failovers per label set, the same label set adding up', async () => {
    const m = metrics();
    const failedOver = record({ attempts: [attempt({ status: 429, outcome: 'key-rate-limited', errorClass: 'http_429', nextBecause: 'rate-limited' }), attempt()] });
    m.observe(failedOver);
    m.observe(record());
    m.observe(record({ status: 502, servedModel: undefined, attempts: [attempt({ status: 502, outcome: 'upstream-failed', errorClass: 'http_502' })] }));
    const text = (await m.text()).body;
    expect(line(text, 'anyrouter_requests_total{')).toEqual([
      'anyrouter_requests_total{model="openai/gpt-5.4-mini",status="200",protocol="openai-chat"} 2',
      'anyrouter_requests_total{model="gpt-5.4-mini",status="502",protocol="openai-chat"} 1',
    ]);
    expect(line(text, 'anyrouter_upstream_attempts_total{')).toEqual([
      'anyrouter_upstream_attempts_total{provider="openai",status="429"} 1',
      'anyrouter_upstream_attempts_total{provider="openai",status="200"} 2',
      'anyrouter_upstream_attempts_total{provider="openai",status="502"} 1',
    ]);
    expect(line(text, 'anyrouter_failovers_total{')).toEqual(['anyrouter_failovers_total{provider="openai",reason="http_429"} 1']);
    expect(line(text, 'anyrouter_tokens_total{')).toContain('anyrouter_tokens_total{model="openai/gpt-5.4-mini",kind="prompt"} 200');
    expect(line(text, 'anyrouter_request_duration_seconds_count{')).toContain('anyrouter_request_duration_seconds_count{model="openai/gpt-5.4-mini"} 2');
  });

  it('does not make a label of a model name the client made up (a refused request reaches no upstream)', async () => {
    const m = metrics();
    for (let i = 0; i < 50; i++) m.observe(record({ requestedModel: `made-up-${i}`, servedModel: undefined, status: 404, attempts: [], tokens: undefined, costUsd: undefined }));
    const text = (await m.text()).body;
    expect(text).not.toContain('made-up');
    expect(line(text, 'anyrouter_requests_total{')).toEqual(['anyrouter_requests_total{model="(unrouted)",status="404",protocol="openai-chat"} 50']);
  });
});
