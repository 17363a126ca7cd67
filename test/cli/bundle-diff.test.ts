/**
 * The pure bundle comparison and its three output formats, in process: two compiled configs that
 * differ by one reordered upstream, one removed alias and one price change give exactly those three
 * changes in text, markdown and json; and each other kind of change is found where it happens and
 * nowhere else.
 */
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { BundleCandidate, RoutingBundle } from '../../src/bundle/format.js';
import type { BundleChange } from '../../src/cli/diff/bundle-change.js';
import { diffBundles } from '../../src/cli/diff/bundle-diff.js';
import { formatDiffJson } from '../../src/cli/diff/format-diff-json.js';
import { formatDiffMarkdown } from '../../src/cli/diff/format-diff-markdown.js';
import { formatDiffText } from '../../src/cli/diff/format-diff-text.js';
import { compile } from '../../src/compiler/compile.js';
import { compileTree, removeTempDirs, type FileTree } from '../compiler/support.js';
import { BASE_TREE, HEAD_TREE, THREE_CHANGES } from './fixtures.js';

afterAll(removeTempDirs);

async function bundleOf(tree: FileTree): Promise<RoutingBundle> {
  const { result } = await compileTree(tree);
  expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return result.bundle!;
}

const sides = { base: 'base/anyrouter.config.ts', head: 'head/anyrouter.config.ts' };


describe('one reordered upstream, one removed alias, one price change', () => {
  let changes: BundleChange[] = [];

  it('diffBundles reports exactly those three (the swapped priorities and the inherited upstream prices are not extra changes)', async () => {
    const [base, head] = await Promise.all([bundleOf(BASE_TREE), bundleOf(HEAD_TREE)]);
    changes = diffBundles(base, head);
    expect(changes).toEqual(THREE_CHANGES);
  });

  it('json prints exactly that typed list', () => {
    expect(JSON.parse(formatDiffJson(changes))).toEqual(THREE_CHANGES);
  });

  it('text prints a summary with the counts and one line per change under its model', () => {
    expect(formatDiffText(changes, sides)).toBe(
      [
        'routing diff base/anyrouter.config.ts -> head/anyrouter.config.ts',
        '3 changes: 1 removed-alias, 1 reordered-upstreams, 1 price-change',
        '',
        'model openai/gpt-5.4',
        '  price changed: prompt $2.5 → $2',
        '',
        'model openai/gpt-5.4-mini',
        '  alias removed: mini',
        '  upstreams reordered: openai:gpt-5.4-mini (priority 1), openrouter:openai/gpt-5.4-mini (priority 2) → openrouter:openai/gpt-5.4-mini (priority 1), openai:gpt-5.4-mini (priority 2)',
        '',
      ].join('\n'),
    );
  });

  it('markdown is a pull-request comment: heading, summary line, one table per model, one row per change', () => {
    expect(formatDiffMarkdown(changes, sides)).toBe(
      [
        '### AnyRouter routing diff',
        '',
        '`base/anyrouter.config.ts` → `head/anyrouter.config.ts`: **3 changes: 1 removed-alias, 1 reordered-upstreams, 1 price-change**',
        '',
        '#### model `openai/gpt-5.4`',
        '',
        '| change | detail |',
        '|---|---|',
        '| price changed | prompt `$2.5` → `$2` |',
        '',
        '#### model `openai/gpt-5.4-mini`',
        '',
        '| change | detail |',
        '|---|---|',
        '| alias removed | `mini` |',
        '| upstreams reordered | `openai:gpt-5.4-mini` (priority 1), `openrouter:openai/gpt-5.4-mini` (priority 2) → `openrouter:openai/gpt-5.4-mini` (priority 1), `openai:gpt-5.4-mini` (priority 2) |',
        '',
      ].join('\n'),
    );
  });

  it('the reverse diff reports the inverse three', () => {
    return Promise.all([bundleOf(BASE_TREE), bundleOf(HEAD_TREE)]).then(([base, head]) => {
      expect(diffBundles(head, base).map((c) => c.kind)).toEqual(['price-change', 'added-alias', 'reordered-upstreams']);
    });
  });
});

/** The repository's own catalog, as a realistic bundle to mutate. */
let catalog: RoutingBundle | undefined;
async function repoBundle(): Promise<RoutingBundle> {
  if (!catalog) {
    const result = await compile(new URL('../../anyrouter.config.ts', import.meta.url).pathname);
    catalog = result.bundle!;
  }
  return structuredClone(catalog);
}

function model(bundle: RoutingBundle, id: string) {
  const found = bundle.models.find((m) => m.id === id);
  if (!found) throw new Error(`no model ${id}`);
  return found;
}

describe('each kind of change, found where it happens and nowhere else', () => {
  it('a bundle compared with itself has no changes', async () => {
    const bundle = await repoBundle();
    expect(diffBundles(bundle, structuredClone(bundle))).toEqual([]);
    expect(formatDiffText([], sides)).toContain('no routing changes');
  });

  it('a priority change that keeps the order is a priority-change, not a reorder', async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    model(head, 'openai/gpt-5.4-mini').candidates[1]!.priority = 5;
    expect(diffBundles(base, head)).toEqual([
      { kind: 'priority-change', subject: { type: 'model', id: 'openai/gpt-5.4-mini' }, upstream: { provider: 'openrouter', model: 'openai/gpt-5.4-mini' }, before: 2, after: 5 },
    ]);
  });

  it('an added upstream in front is added-upstream only: the others keep their relative order', async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    const m = model(head, 'openai/gpt-5.4-mini');
    m.candidates.unshift({ provider: 'groq', model: 'gpt-5.4-mini', priority: 0, pricing: m.pricing });
    const changes = diffBundles(base, head);
    expect(changes).toEqual([
      { kind: 'added-upstream', subject: { type: 'model', id: 'openai/gpt-5.4-mini' }, upstream: { provider: 'groq', model: 'gpt-5.4-mini', priority: 0, rank: 1 } },
    ]);
  });

  it("an upstream's own price override is a price-change naming that upstream", async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    model(head, 'openai/gpt-5.4-mini').candidates[1]!.pricing = { prompt: 0.8, completion: 4.5 };
    const [change, ...rest] = diffBundles(base, head);
    expect(rest).toEqual([]);
    expect(change).toMatchObject({ kind: 'price-change', upstream: { provider: 'openrouter', model: 'openai/gpt-5.4-mini' }, after: { prompt: 0.8, completion: 4.5 } });
  });

  it('removing a model is one removed-model (with its aliases), and the pools it left report it', async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    head.models = head.models.filter((m) => m.id !== 'openai/gpt-5.4-mini');
    for (const pool of Object.values(head.pools)) pool.members = pool.members.filter((id) => id !== 'openai/gpt-5.4-mini');
    const changes = diffBundles(base, head);
    expect(changes[0]).toMatchObject({ kind: 'removed-model', subject: { id: 'openai/gpt-5.4-mini' }, aliases: ['gpt-5.4-mini'] });
    expect(changes.slice(1).every((c) => c.kind === 'pool-membership' && c.model === 'openai/gpt-5.4-mini' && c.membership === 'left')).toBe(true);
    expect(changes.length).toBeGreaterThan(1);
  });

  it('preset fields, provider preferences, provider keys and routing defaults each report their own kind', async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    head.presets.coding!.system = 'Be terse.';
    head.presets.coding!.provider = { sort: 'price' };
    model(head, 'openai/gpt-6.2-sol').provider = { only: ['openai'] };
    head.providers.openai!.keys.push({ name: 'spare', env: 'OPENAI_API_KEY_2', weight: 2, tier: 'byok' });
    head.providers.openai!.keyStrategy = 'weighted';
    head.routing.maxAttempts = 3;
    const changes = diffBundles(base, head);
    expect(changes.map((c) => [c.kind, c.subject.type, c.subject.id])).toEqual([
      ['preferences-change', 'model', 'openai/gpt-6.2-sol'],
      ['preset-change', 'preset', 'coding'],
      ['preferences-change', 'preset', 'coding'],
      ['provider-change', 'provider', 'openai'],
      ['provider-change', 'provider', 'openai'],
      ['routing-change', 'routing', 'routing'],
    ]);
    const text = formatDiffText(changes, sides);
    expect(text).toContain('preset @preset/coding\n  system changed:');
    expect(text).toContain('  provider preferences changed: sort "latency" → "price"');
    expect(text).toContain('  key added: spare (env OPENAI_API_KEY_2, weight 2, byok)');
    expect(text).toContain('  keyStrategy changed: "fallback" → "weighted"');
    expect(text).toContain('routing defaults\n  maxAttempts changed: 6 → 3');
  });

  it("a provider starting or stopping to serve Responses natively is a provider-change of 'responses'", async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    delete head.providers.openai!.responses;
    head.providers.openrouter!.responses = true;
    const changes = diffBundles(base, head);
    expect(changes).toEqual([
      { kind: 'provider-change', subject: { type: 'provider', id: 'openai' }, setting: 'responses', before: true, after: false },
      { kind: 'provider-change', subject: { type: 'provider', id: 'openrouter' }, setting: 'responses', before: false, after: true },
    ]);
    expect(formatDiffText(changes, sides)).toContain('responses changed: true → false');
  });

  it("an upstream's data policy, precision and weight, a model's balance, sticky window and cache TTL, and a preset's cache TTL each report their kind", async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    const m = model(head, 'openai/gpt-5.4-mini');
    const [first, second] = m.candidates as [BundleCandidate, BundleCandidate];
    first.zdr = true;
    first.dataCollection = 'deny';
    first.quantization = 'fp8';
    first.distillable = false;
    second.weight = 3;
    second.parameters = ['tools'];
    m.balance = 'latency';
    m.stickyMs = 0;
    m.cacheTtlMs = 60_000;
    head.presets.coding!.cacheTtlMs = 30_000;
    const changes = diffBundles(base, head);
    const subject = { type: 'model', id: 'openai/gpt-5.4-mini' };
    const firstRef = { provider: first.provider, model: first.model };
    const secondRef = { provider: second.provider, model: second.model };
    expect(changes).toEqual([
      { kind: 'upstream-parameters-change', subject, upstream: firstRef, setting: 'zdr', after: true },
      { kind: 'upstream-parameters-change', subject, upstream: firstRef, setting: 'dataCollection', after: 'deny' },
      { kind: 'upstream-parameters-change', subject, upstream: firstRef, setting: 'quantization', after: 'fp8' },
      { kind: 'upstream-parameters-change', subject, upstream: firstRef, setting: 'distillable', after: false },
      { kind: 'upstream-parameters-change', subject, upstream: secondRef, setting: 'parameters', after: ['tools'] },
      { kind: 'upstream-parameters-change', subject, upstream: secondRef, setting: 'weight', after: 3 },
      { kind: 'model-change', subject, setting: 'balance', after: 'latency' },
      { kind: 'model-change', subject, setting: 'stickyMs', after: 0 },
      { kind: 'model-change', subject, setting: 'cacheTtlMs', after: 60_000 },
      { kind: 'preset-change', subject: { type: 'preset', id: 'coding' }, field: 'cacheTtlMs', after: 30_000 },
    ]);
    const text = formatDiffText(changes, sides);
    expect(text).toContain(`  upstream zdr changed: ${first.provider}:${first.model}: (none) → true`);
    expect(text).toContain(`  upstream weight changed: ${second.provider}:${second.model}: (none) → 3`);
    expect(text).toContain('  balance changed: (none) → "latency"');
    expect(text).toContain('preset @preset/coding\n  cacheTtlMs changed: (none) → 30000');
    // the reverse diff takes each back
    expect(diffBundles(head, base).map((c) => ('setting' in c ? c.setting : 'field' in c ? c.field : c.kind))).toEqual(['zdr', 'dataCollection', 'quantization', 'distillable', 'parameters', 'weight', 'balance', 'stickyMs', 'cacheTtlMs', 'cacheTtlMs']);
  });

  it('markdown keeps a pipe or backtick in a value inside its table cell', async () => {
    const base = await repoBundle();
    const head = structuredClone(base);
    model(head, 'openai/gpt-5.4-mini').aliases.push('a|b`c');
    const md = formatDiffMarkdown(diffBundles(base, head), sides);
    expect(md).toContain('| alias added | ``a\\|b`c`` |');
  });

  it('property: random alias removals, price changes and upstream swaps are reported exactly, one change each', async () => {
    const catalogBundle = await repoBundle();
    const ids = catalogBundle.models.filter((m) => m.aliases.length > 0 && m.candidates.length >= 2).map((m) => m.id);
    const edit = fc.record({ model: fc.constantFrom(...ids), what: fc.constantFrom('alias', 'price', 'swap') });
    fc.assert(
      fc.property(fc.uniqueArray(edit, { selector: (e) => `${e.model} ${e.what}`, maxLength: 8 }), (edits) => {
        const head = structuredClone(catalogBundle);
        for (const { model: id, what } of edits) {
          const m = model(head, id);
          if (what === 'alias') m.aliases = m.aliases.slice(1);
          if (what === 'price') {
            const inherited = m.candidates.filter((c) => JSON.stringify(c.pricing) === JSON.stringify(m.pricing));
            m.pricing = { ...m.pricing, prompt: m.pricing.prompt + 1 };
            for (const c of inherited) c.pricing = m.pricing;
          }
          if (what === 'swap') {
            const [first, second] = m.candidates;
            [first!.priority, second!.priority] = [second!.priority, first!.priority];
            m.candidates = [second!, first!, ...m.candidates.slice(2)];
          }
        }
        const kindOf = { alias: 'removed-alias', price: 'price-change', swap: 'reordered-upstreams' } as const;
        const got = diffBundles(catalogBundle, head).map((c) => `${c.subject.id} ${c.kind}`).sort();
        const want = edits.map((e) => `${e.model} ${kindOf[e.what]}`).sort();
        expect(got).toEqual(want);
      }),
      { numRuns: 100 },
    );
  });
});

describe("the gateway's own settings: keys, budgets, server, cache, state, logging, dashboard", () => {
  const sha = (c: string) => c.repeat(64);

  it('each change reports its kind under its key, budget or section, a sha256 only as its first 8 digits', async () => {
    const base = await repoBundle();
    base.auth = {
      gatewayKeys: [
        { name: 'ci', sha256: sha('a'), models: ['*'], rpm: 600 },
        { name: 'old', sha256: sha('b'), models: ['openai/*'] },
      ],
      adminKeys: [{ name: 'ops', sha256: sha('c') }],
    };
    base.budgets = [{ name: 'all', usd: 500, period: 'month' }];
    base.dashboard = { path: '/dashboard' };
    delete base.cache;
    delete base.state;
    const head = structuredClone(base);
    head.auth = {
      gatewayKeys: [
        { name: 'ci', sha256: sha('d'), models: ['*'], rpm: 900, budget: { usd: 50, period: 'month' } },
        { name: 'new', sha256: sha('e'), models: ['*'], tpm: 200_000 },
      ],
      adminKeys: [{ name: 'ops', sha256: sha('c'), scope: 'read' }],
    };
    head.budgets = [{ name: 'all', usd: 800, period: 'month' }, { app: 'My App', usd: 20, period: 'day' }];
    head.cache = { maxBytes: 1_048_576, maxEntryBytes: 8 * 1024 * 1024 };
    head.state = { redis: { url: { env: 'REDIS_URL' }, prefix: 'ar:', onError: 'closed' } };
    head.observability.logging.retentionDays = base.observability.logging.retentionDays + 7;
    head.dashboard = { path: '/ops' };
    head.server.port = base.server.port + 1;

    const changes = diffBundles(base, head);
    const key = (id: string) => ({ type: 'gateway-key', id });
    const settings = (id: string) => ({ type: 'settings', id });
    expect(changes).toEqual([
      { kind: 'gateway-key-change', subject: key('ci'), change: 'changed', setting: 'rpm', before: 600, after: 900 },
      { kind: 'gateway-key-change', subject: key('ci'), change: 'changed', setting: 'budget', after: { usd: 50, period: 'month' } },
      { kind: 'gateway-key-change', subject: key('ci'), change: 'changed', setting: 'sha256', before: 'aaaaaaaa…', after: 'dddddddd…' },
      { kind: 'gateway-key-change', subject: key('new'), change: 'added', after: { models: ['*'], tpm: 200_000, sha256: 'eeeeeeee…' } },
      { kind: 'gateway-key-change', subject: key('old'), change: 'removed', before: { models: ['openai/*'], sha256: 'bbbbbbbb…' } },
      { kind: 'admin-key-change', subject: { type: 'admin-key', id: 'ops' }, change: 'changed', setting: 'scope', before: 'full', after: 'read' },
      { kind: 'budget-change', subject: { type: 'budget', id: 'all' }, change: 'changed', setting: 'usd', before: 500, after: 800 },
      { kind: 'budget-change', subject: { type: 'budget', id: 'app:My App' }, change: 'added', after: { usd: 20, period: 'day' } },
      { kind: 'settings-change', subject: settings('cache'), change: 'changed', setting: 'maxBytes', before: 64 * 1024 * 1024, after: 1_048_576 },
      { kind: 'settings-change', subject: settings('dashboard'), change: 'changed', setting: 'path', before: '/dashboard', after: '/ops' },
      { kind: 'settings-change', subject: settings('logging'), change: 'changed', setting: 'retentionDays', before: base.observability.logging.retentionDays, after: head.observability.logging.retentionDays },
      { kind: 'settings-change', subject: settings('server'), change: 'changed', setting: 'port', before: base.server.port, after: head.server.port },
      { kind: 'settings-change', subject: settings('state'), change: 'changed', setting: 'redis.url', after: { env: 'REDIS_URL' } },
      { kind: 'settings-change', subject: settings('state'), change: 'changed', setting: 'redis.prefix', after: 'ar:' },
      { kind: 'settings-change', subject: settings('state'), change: 'changed', setting: 'redis.onError', after: 'closed' },
    ]);

    const text = formatDiffText(changes, sides);
    expect(text).toContain('15 changes: 5 gateway-key-change, 1 admin-key-change, 2 budget-change, 7 settings-change');
    expect(text).toContain('gateway key ci\n  rpm changed: 600 → 900\n  budget changed: (none) → {"usd":50,"period":"month"}\n  sha256 changed: "aaaaaaaa…" → "dddddddd…"');
    expect(text).toContain('gateway key new\n  gateway key added: models ["*"], tpm 200000, sha256 "eeeeeeee…"');
    expect(text).toContain('gateway key old\n  gateway key removed: models ["openai/*"], sha256 "bbbbbbbb…"');
    expect(text).toContain('admin key ops\n  scope changed: "full" → "read"');
    expect(text).toContain('app budget My App\n  budget added: usd 20, period "day"');
    expect(text).toContain('settings cache\n  maxBytes changed: 67108864 → 1048576');
    expect(text).toContain('settings state\n  redis.url changed: (none) → {"env":"REDIS_URL"}');
    const md = formatDiffMarkdown(changes, sides);
    expect(md).toContain('#### gateway budget `all`\n\n| change | detail |\n|---|---|\n| usd changed | `500` → `800` |');
    for (const out of [text, md, formatDiffJson(changes)]) for (const c of 'abcde') expect(out).not.toContain(sha(c).slice(0, 9));
  });

  it('spelling out the default cache bounds is no change; a literal Redis URL never shows user info', async () => {
    const base = await repoBundle();
    delete base.cache;
    const head = structuredClone(base);
    head.cache = { maxBytes: 64 * 1024 * 1024, maxEntryBytes: 8 * 1024 * 1024 };
    expect(diffBundles(base, head)).toEqual([]);
    head.state = { redis: { url: 'redis://user:hunter2@cache.internal:6379', prefix: 'anyrouter:', onError: 'open' } };
    const out = formatDiffText(diffBundles(base, head), sides) + formatDiffJson(diffBundles(base, head));
    expect(out).toContain('redis://***@cache.internal:6379');
    expect(out).not.toContain('hunter2');
    expect(out).not.toContain('user:');
  });
});
