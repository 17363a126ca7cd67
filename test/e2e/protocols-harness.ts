/**
 * The e2e harness (harness.ts) plus what the protocol tests need: Anthropic and Gemini mock upstreams
 * (closed after each test), providers of those types, an official `@anthropic-ai/sdk` client pointed at
 * the gateway, and raw POSTs to any endpoint for byte-level checks.
 *
 *   const e2e = useProtocolE2E();
 *   const claude = await e2e.anthropicMock();
 *   const gw = await e2e.gateway({ providers: { claude: anthropicProvider('claude', claude) }, models: [chatModel(['claude'])] });
 *   const message = await anthropicClient(gw).messages.create({ model: MODEL, max_tokens: 100, messages });
 */
import Anthropic from '@anthropic-ai/sdk';
import { createParser } from 'eventsource-parser';
import type { ProviderInput } from '../../src/index.js';
import { afterEach } from 'vitest';
import { startMockAnthropic, type MockAnthropicOptions, type MockAnthropicUpstream } from '../support/mock-anthropic-upstream.js';
import { startMockGemini, type MockGeminiOptions, type MockGeminiUpstream } from '../support/mock-gemini-upstream.js';
import { MODEL, provider, useE2E, type E2E, type GatewayFixture, type ProviderOptions } from './harness.js';

export interface ProtocolE2E extends E2E {
  anthropicMock(options?: MockAnthropicOptions): Promise<MockAnthropicUpstream>;
  geminiMock(options?: MockGeminiOptions): Promise<MockGeminiUpstream>;
}

export function useProtocolE2E(): ProtocolE2E {
  const e2e = useE2E();
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  });
  return {
    ...e2e,
    async anthropicMock(options) {
      const mock = await startMockAnthropic(options);
      closers.push(() => mock.close());
      return mock;
    },
    async geminiMock(options) {
      const mock = await startMockGemini(options);
      closers.push(() => mock.close());
      return mock;
    },
  };
}

/** An `anthropic` provider pointing at a mock (its URL ends in /v1, like https://api.anthropic.com/v1). */
export function anthropicProvider(id: string, target: { url: string }, options: ProviderOptions = {}): ProviderInput {
  return { ...provider(id, target.url, options), type: 'anthropic' };
}

/** A `gemini` provider pointing at a mock (its URL ends in /v1beta). */
export function geminiProvider(id: string, target: { url: string }, options: ProviderOptions = {}): ProviderInput {
  return { ...provider(id, target.url, options), type: 'gemini' };
}

/** The official Anthropic SDK, pointed at the gateway as Claude Code is with ANTHROPIC_BASE_URL. */
export function anthropicClient(gw: GatewayFixture, options: { apiKey?: string; base?: '' | '/api'; timeoutMs?: number } = {}): Anthropic {
  return new Anthropic({ baseURL: gw.url + (options.base ?? ''), apiKey: options.apiKey ?? 'unused-gateway-key', maxRetries: 0, timeout: options.timeoutMs ?? 5_000 });
}

/** A raw POST of a JSON body (or raw text) to a gateway path, with Anthropic's version header by default. */
export function post(gw: GatewayFixture, path: string, body: unknown, init: { headers?: Record<string, string>; raw?: string } = {}): Promise<Response> {
  return fetch(gw.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...init.headers },
    body: init.raw ?? JSON.stringify(body),
  });
}

/** The Anthropic error envelope. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
  request_id: string;
}

/** The events of an SSE text, read with eventsource-parser (comments such as keep-alives are skipped). */
export function sseEvents(text: string): Array<{ event: string | undefined; data: string }> {
  const events: Array<{ event: string | undefined; data: string }> = [];
  const parser = createParser({ onEvent: (message) => events.push({ event: message.event, data: message.data }) });
  parser.feed(text);
  return events;
}

/**
 * What a native relay sends for the bytes an upstream `sent`: the same bytes with the answer's own `model`
 * (the upstream's name for it, `upstreamModel`) naming the catalog model instead, the one edit it makes.
 */
export function servedBytes(sent: string, upstreamModel: string, catalogId = MODEL): string {
  return sent.replaceAll(`"model":${JSON.stringify(upstreamModel)}`, `"model":${JSON.stringify(catalogId)}`);
}
