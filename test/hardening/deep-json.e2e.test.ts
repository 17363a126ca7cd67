/**
 * Deeply nested JSON, up to 100,000 levels, in any part of a request to any POST route: the gateway
 * answers 400 in the route's protocol envelope (never a 5xx), and nothing it prints says RangeError.
 * Deep JSON hidden inside a string (tool call arguments) is a valid request: it never answers 5xx either.
 */
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_JSON_DEPTH, jsonNestsDeeperThan } from '../../src/protocols/json-depth.js';
import { chatModel, provider } from '../e2e/harness.js';
import { anthropicProvider, useProtocolE2E } from '../e2e/protocols-harness.js';

const e2e = useProtocolE2E();

const ROUTES = [
  { path: '/chat/completions', envelope: 'openai' },
  { path: '/messages', envelope: 'anthropic' },
  { path: '/messages/count_tokens', envelope: 'anthropic' },
  { path: '/responses', envelope: 'openai' },
] as const;

type Shape = 'array' | 'object' | 'mixed';

/** JSON text nested `depth` levels deep. */
function nested(shape: Shape, depth: number): string {
  if (shape === 'array') return '['.repeat(depth) + '"x"' + ']'.repeat(depth);
  if (shape === 'object') return '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);
  const half = Math.ceil(depth / 2);
  return '[{"k":'.repeat(half) + 'null' + '}]'.repeat(half);
}

/** A request for `route` whose `place` holds `deep` (JSON text). */
function requestWith(route: (typeof ROUTES)[number]['path'], place: string, deep: string, model: string): string {
  const base = route === '/responses' ? `"input":"hi"` : `"messages":[{"role":"user","content":"hi"}]`;
  const head = `{"model":${JSON.stringify(model)},"max_tokens":16,`;
  switch (place) {
    case 'messages':
      return `${head}"messages":${deep},"input":${deep}}`;
    case 'content':
      return route === '/responses' ? `${head}"input":[{"role":"user","content":${deep}}]}` : `${head}"messages":[{"role":"user","content":${deep}}]}`;
    case 'tools':
      return `${head}${base},"tools":[{"type":"function","name":"f","function":{"name":"f","parameters":${deep}},"input_schema":${deep}}]}`;
    case 'provider':
      return `${head}${base},"provider":{"order":${deep}}}`;
    case 'metadata':
      return `${head}${base},"metadata":${deep}}`;
    default:
      return `${deep}`;
  }
}

describe('JSON depth: the iterative scan', () => {
  it('agrees with the nesting depth of any JSON value, strings with brackets and escapes included', () => {
    const depthOf = (value: unknown): number => {
      let max = 0;
      const stack: Array<[unknown, number]> = [[value, 0]];
      while (stack.length > 0) {
        const [v, d] = stack.pop()!;
        if (v === null || typeof v !== 'object') continue;
        max = Math.max(max, d + 1);
        for (const child of Object.values(v)) stack.push([child, d + 1]);
      }
      return max;
    };
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a') }), (value, limit, noise) => {
        const text = JSON.stringify([value, noise]);
        expect(jsonNestsDeeperThan(text, limit)).toBe(depthOf([value, noise]) > limit);
      }),
      { numRuns: 300 },
    );
  });

  it('scans 100,000 levels without recursion', () => {
    expect(jsonNestsDeeperThan(nested('mixed', 100_000))).toBe(true);
    expect(jsonNestsDeeperThan(nested('object', MAX_JSON_DEPTH))).toBe(false);
    expect(jsonNestsDeeperThan(nested('object', MAX_JSON_DEPTH + 1))).toBe(true);
  });
});

/** `test/chat` served by an OpenAI mock, `test/claude` by an Anthropic mock: both wire formats, native and translated. */
async function openAIAndAnthropic() {
  const openai = await e2e.mock();
  const claude = await e2e.anthropicMock();
  const gw = await e2e.gateway({
    providers: { openai: provider('openai', openai), claude: anthropicProvider('claude', claude) },
    models: [chatModel(['openai']), chatModel(['claude'], 'test/claude', [])],
  });
  return { openai, claude, gw };
}

describe('e2e: deep JSON on every POST route', () => {
  let printed: string[] = [];
  beforeEach(() => {
    printed = [];
    for (const stream of [process.stdout, process.stderr]) {
      const write = stream.write.bind(stream);
      vi.spyOn(stream, 'write').mockImplementation(((chunk: string | Uint8Array, ...rest: unknown[]) => {
        printed.push(String(chunk));
        return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
      }) as typeof stream.write);
    }
  });
  afterEach(() => vi.restoreAllMocks());

  it('answers 400 in the protocol envelope for nesting up to 100,000 deep, never 5xx, never a RangeError', async () => {
    const { openai, claude, gw } = await openAIAndAnthropic();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ROUTES),
        fc.constantFrom('/v1', '/api/v1'),
        fc.constantFrom('messages', 'content', 'tools', 'provider', 'metadata', 'whole'),
        fc.constantFrom<Shape>('array', 'object', 'mixed'),
        fc.oneof(fc.integer({ min: MAX_JSON_DEPTH + 1, max: 2_000 }), fc.constantFrom(50_000, 100_000)),
        fc.constantFrom('test/chat', 'test/claude'),
        async (route, base, place, shape, depth, model) => {
          const response = await fetch(gw.url + base + route.path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
            body: requestWith(route.path, place, nested(shape, depth), model),
          });
          const body = (await response.json()) as Record<string, unknown>;
          expect(response.status).toBe(400);
          if (route.envelope === 'anthropic') expect(body).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.any(String) } });
          else expect(body).toMatchObject({ error: { message: expect.any(String), type: 'invalid_request_error', code: 'json_too_deep' } });
        },
      ),
      { numRuns: 40 },
    );
    expect(openai.requests.length + claude.requests.length).toBe(0);
    expect(printed.join('')).not.toMatch(/RangeError|internal error/);
  });

  it('deep JSON inside a string (tool call arguments, text) is carried, translated or estimated, never a 5xx', async () => {
    const { gw } = await openAIAndAnthropic();
    for (const depth of [1_000, 100_000]) {
      const deep = nested('mixed', depth);
      const chat = { messages: [{ role: 'user', content: deep }, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: deep } }] }, { role: 'tool', tool_call_id: 'call_1', content: deep }] };
      const messages = { max_tokens: 16, messages: [{ role: 'user', content: deep }, { role: 'assistant', content: [{ type: 'tool_use', id: 't1', name: 'f', input: { raw: deep } }] }, { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: deep }] }] };
      for (const base of ['/v1', '/api/v1']) {
        for (const model of ['test/chat', 'test/claude']) {
          for (const [path, body] of [['/chat/completions', chat], ['/messages', messages], ['/messages/count_tokens', messages], ['/responses', { input: deep }]] as const) {
            const response = await fetch(gw.url + base + path, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model, ...body }) });
            await response.arrayBuffer();
            expect(response.status, `${base}${path} ${model} depth ${depth}`).toBeLessThan(500);
          }
        }
      }
    }
    expect(printed.join('')).not.toMatch(/RangeError|internal error/);
  });
});
