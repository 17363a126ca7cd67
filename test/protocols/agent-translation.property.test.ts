/**
 * Properties of the coding-agent translations:
 * - a Responses request with namespace tools, translated to Chat Completions, and a Chat answer calling any
 *   of the flattened tools translated back, gives tool calls in the original namespace under the original
 *   names (JSON and stream);
 * - for any request the Anthropic and Responses decoders accept, the dropped-parameter list names exactly
 *   the client's fields whose value did not reach the upstream body.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientToolNames, createStreamTranslator, protocolCodecs, translateRequest, translateResponse, type JsonObject, type WireProtocol } from '../../src/protocols/index.js';
import { toSse } from './fixtures/openai-chat-examples.js';
import { sseData } from './support/stream-harness.js';

const runs = { numRuns: 60 };
const identifier = fc.stringMatching(/^[a-z][a-z0-9_]{0,11}$/).filter((s) => !s.includes('__'));

/** Namespaces of function tools (names unique within each), plus plain functions. */
const toolSet = fc
  .record({
    namespaces: fc.uniqueArray(fc.record({ name: identifier, functions: fc.uniqueArray(identifier, { minLength: 1, maxLength: 4 }) }), { selector: (n) => n.name, minLength: 1, maxLength: 3 }),
    plain: fc.uniqueArray(identifier.map((n) => `plain_${n}`), { maxLength: 3 }),
  })
  .map(({ namespaces, plain }) => ({
    tools: [
      ...plain.map((name) => ({ type: 'function', name, parameters: { type: 'object', properties: {} } })),
      ...namespaces.map((ns) => ({ type: 'namespace', name: ns.name, description: `the ${ns.name} tools`, tools: ns.functions.map((name) => ({ type: 'function', name, parameters: { type: 'object', properties: { x: { type: 'string' } } } })) })),
      { type: 'web_search' },
    ],
    calls: [...plain.map((name) => ({ name })), ...namespaces.flatMap((ns) => ns.functions.map((name) => ({ namespace: ns.name, name })))],
  }));

describe('namespace tools through Chat Completions and back', () => {
  it('tool calls come back in their original namespace and name', () => {
    fc.assert(
      fc.property(toolSet, fc.integer({ min: 0, max: 1000 }), fc.boolean(), ({ tools, calls }, pick, streamed) => {
        const body = { model: 'm', input: 'go', tools, stream: streamed };
        const { canonical, upstream } = translateRequest('openai-responses', 'openai-chat', body);
        const offered = (upstream.body.tools as Array<{ function: { name: string } }>).map((t) => t.function.name);
        expect(offered).toHaveLength(calls.length);
        // the upstream model calls some of the tools it was offered, by the names it was offered
        const chosen = offered.filter((_, i) => (pick >> i) % 2 === 1 || i === pick % offered.length);
        const toolNames = clientToolNames(canonical.tools);
        const expected = chosen.map((flat) => calls[offered.indexOf(flat)]!);
        const items = streamed ? streamedItems(chosen, toolNames) : jsonItems(chosen, toolNames);
        expect(items.map((item) => ({ name: item.name, ...(item.namespace !== undefined ? { namespace: item.namespace } : {}) }))).toEqual(expected);
        expect(items.map((item) => item.call_id)).toEqual(chosen.map((_, i) => `call_${i}`));
      }),
      runs,
    );
  });
});

type Item = { type: string; name: string; namespace?: string; call_id: string };

function jsonItems(names: string[], toolNames: ReturnType<typeof clientToolNames>): Item[] {
  const answer = {
    id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'm',
    choices: [{ index: 0, finish_reason: 'tool_calls', message: { role: 'assistant', content: null, tool_calls: names.map((name, i) => ({ id: `call_${i}`, type: 'function', function: { name, arguments: '{}' } })) } }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
  return (translateResponse('openai-chat', 'openai-responses', answer, toolNames ? { toolNames } : {}).body.output as Item[]).filter((item) => item.type === 'function_call');
}

function streamedItems(names: string[], toolNames: ReturnType<typeof clientToolNames>): Item[] {
  const chunk = (delta: JsonObject, finish: string | null = null) => ({ id: 'c', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta, finish_reason: finish }] });
  const chunks = [
    ...names.map((name, i) => chunk({ tool_calls: [{ index: i, id: `call_${i}`, type: 'function', function: { name, arguments: '{}' } }] })),
    chunk({}, 'tool_calls'),
  ];
  const translator = createStreamTranslator('openai-chat', 'openai-responses', toolNames ? { toolNames } : {});
  const sse = translator.push(toSse(chunks)) + translator.end();
  return sseData(sse)
    .map((e) => JSON.parse(e.data) as { type: string; item?: Item })
    .filter((e) => e.type === 'response.output_item.done' && e.item?.type === 'function_call')
    .map((e) => e.item!);
}

// ---------------------------------------------------------------------------------------------
// The dropped-parameter list is exact

/** A client field, the value it carries (a marker no other part of the request holds), and the name a drop lists it under. */
interface Feature {
  dropName: string;
  apply(body: JsonObject): void;
  /** The value whose presence in the upstream body means the field was sent. */
  marker: string | number;
}

const marker = fc.integer({ min: 100_000, max: 999_999 });

function anthropicFeatures(n: number): Feature[] {
  const s = `m${n}`;
  return [
    { dropName: 'temperature', marker: n / 1_000_000, apply: (b) => (b.temperature = n / 1_000_000) },
    { dropName: 'top_p', marker: n / 2_000_000, apply: (b) => (b.top_p = n / 2_000_000) },
    { dropName: 'top_k', marker: n + 1, apply: (b) => (b.top_k = n + 1) },
    { dropName: 'stop_sequences', marker: `${s}stop`, apply: (b) => (b.stop_sequences = [`${s}stop`]) },
    { dropName: 'metadata.user_id', marker: `${s}user`, apply: (b) => (b.metadata = { ...(b.metadata as JsonObject), user_id: `${s}user` }) },
    { dropName: 'metadata', marker: `${s}meta`, apply: (b) => (b.metadata = { ...(b.metadata as JsonObject), session: `${s}meta` }) },
    { dropName: 'context_management', marker: `${s}edit`, apply: (b) => (b.context_management = { edits: [{ type: `${s}edit` }] }) },
    { dropName: 'cache_control', marker: 'cache_control', apply: (b) => ((b.system as JsonObject[]).push({ type: 'text', text: 'cached', cache_control: { type: 'ephemeral' } })) },
    { dropName: 'tools.web_search_20250305', marker: `${s}search`, apply: (b) => (b.tools as JsonObject[]).push({ type: 'web_search_20250305', name: `${s}search` }) },
    { dropName: 'tools.defer_loading', marker: 'defer_loading', apply: (b) => ((b.tools as JsonObject[])[0]!.defer_loading = true) },
    { dropName: `x_${s}`, marker: `${s}extra`, apply: (b) => (b[`x_${s}`] = `${s}extra`) },
  ];
}

function responsesFeatures(n: number): Feature[] {
  const s = `m${n}`;
  return [
    { dropName: 'temperature', marker: n / 1_000_000, apply: (b) => (b.temperature = n / 1_000_000) },
    { dropName: 'metadata', marker: `${s}meta`, apply: (b) => (b.metadata = { run: `${s}meta` }) },
    { dropName: 'prompt_cache_key', marker: `${s}cache`, apply: (b) => (b.prompt_cache_key = `${s}cache`) },
    { dropName: 'client_metadata', marker: `${s}client`, apply: (b) => (b.client_metadata = { thread_id: `${s}client` }) },
    { dropName: 'store', marker: 'store', apply: (b) => (b.store = false) },
    { dropName: 'include', marker: 'reasoning.encrypted_content', apply: (b) => (b.include = ['reasoning.encrypted_content']) },
    { dropName: 'reasoning.summary', marker: 'summary', apply: (b) => (b.reasoning = { summary: 'auto' }) },
    { dropName: 'text.verbosity', marker: 'verbosity', apply: (b) => (b.text = { verbosity: 'low' }) },
    { dropName: 'tools.web_search', marker: 'web_search', apply: (b) => (b.tools as JsonObject[]).push({ type: 'web_search', external_web_access: false }) },
    { dropName: 'tools.defer_loading', marker: 'defer_loading', apply: (b) => ((b.tools as JsonObject[])[0]!.defer_loading = true) },
    { dropName: `x_${s}`, marker: `${s}extra`, apply: (b) => (b[`x_${s}`] = `${s}extra`) },
  ];
}

const baseBodies: Record<'anthropic-messages' | 'openai-responses', () => JsonObject> = {
  'anthropic-messages': () => ({ model: 'm', max_tokens: 100, system: [{ type: 'text', text: 'be brief' }], messages: [{ role: 'user', content: 'hi' }], tools: [{ name: 'read_file', input_schema: { type: 'object', properties: {} } }] }),
  'openai-responses': () => ({ model: 'm', input: 'hi', tools: [{ type: 'function', name: 'read_file', parameters: { type: 'object', properties: {} } }] }),
};
const featuresOf = { 'anthropic-messages': anthropicFeatures, 'openai-responses': responsesFeatures };
const targets: Record<'anthropic-messages' | 'openai-responses', WireProtocol[]> = {
  'anthropic-messages': ['openai-chat', 'openai-responses', 'gemini'],
  'openai-responses': ['openai-chat', 'anthropic-messages', 'gemini'],
};

function contains(body: unknown, value: string | number): boolean {
  const text = JSON.stringify(body);
  return typeof value === 'number' ? new RegExp(`[:\\[,]${String(value).replace('.', '\\.')}[,\\]}]`).test(text) : text.includes(value);
}

describe.each(['anthropic-messages', 'openai-responses'] as const)('the dropped list of a %s request', (from) => {
  it.each(targets[from])('names exactly the fields that did not reach a %s upstream', (to) => {
    fc.assert(
      fc.property(marker, fc.func(fc.boolean()), (n, choose) => {
        const features = featuresOf[from](n).filter((_, i) => choose(i));
        const body = baseBodies[from]();
        for (const feature of features) feature.apply(body);
        const { upstream } = translateRequest(from, to, body);
        const notSent = features.filter((f) => !contains(upstream.body, f.marker)).map((f) => f.dropName);
        const listedFromClient = upstream.dropped.filter((name) => features.some((f) => f.dropName === name));
        expect(new Set(listedFromClient)).toEqual(new Set(notSent));
        // and nothing is listed that the client did not send
        expect(upstream.dropped.filter((name) => !features.some((f) => f.dropName === name))).toEqual([]);
      }),
      runs,
    );
  });
});
