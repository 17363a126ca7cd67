/**
 * What `GET /v1/models` and `GET /v1/models/{id}` show: every model of the bundle, serialised once when the
 * routing table is built, or for a gateway key limited by `models` globs only the models it may use, built
 * on that key's first catalog request and kept for the bundle's life. A model the key may not use is absent
 * from its list, its lookups and its did-you-mean names, so a hidden id answers exactly like an unknown one.
 */
import type { BundleModel } from '../bundle/format.js';

export interface CatalogView {
  /** The `GET /models` body. */
  listJson: string;
  /** Lowercased id or alias -> the `GET /models/{id}` body. */
  entryJson: ReadonlyMap<string, string>;
  /** The ids and aliases shown, for did-you-mean. */
  names: readonly string[];
}

/** Who is asking, as far as the catalog cares: which model names a key may use, and whether it is limited at all. */
export interface CatalogReader {
  allows(model: string): boolean;
  /** The key is limited by `models` globs (false or absent: it sees everything). */
  scoped?: boolean;
}

interface Entry {
  model: BundleModel;
  /** Lowercased names (id and aliases) that look this model up. */
  lookups: string[];
  json: string;
}

/** A key may use a model when a glob allows its id or one of its aliases. */
export function mayUseModel(reader: Pick<CatalogReader, 'allows'>, model: Pick<BundleModel, 'id' | 'aliases'>): boolean {
  return reader.allows(model.id) || model.aliases.some((alias) => reader.allows(alias));
}

export class ModelCatalog {
  /** The whole catalog (keys without `models` globs, and gateways without keys). */
  readonly all: CatalogView;
  private readonly entries: Entry[];
  /** Per gateway key (its `allows`, one per key and bundle): its view. */
  private readonly scoped = new WeakMap<CatalogReader['allows'], CatalogView>();

  constructor(models: readonly BundleModel[], lookup: Readonly<Record<string, string>>) {
    const byId = new Map<string, Entry>();
    this.entries = models.map((model) => {
      const entry: Entry = { model, lookups: [model.id.toLowerCase()], json: JSON.stringify(describeModel(model)) };
      byId.set(model.id, entry);
      return entry;
    });
    for (const [name, id] of Object.entries(lookup)) byId.get(id)?.lookups.push(name);
    this.all = viewOf(this.entries);
  }

  viewFor(reader: CatalogReader): CatalogView {
    if (!reader.scoped) return this.all;
    let view = this.scoped.get(reader.allows);
    if (view === undefined) {
      view = viewOf(this.entries.filter((e) => mayUseModel(reader, e.model)));
      this.scoped.set(reader.allows, view);
    }
    return view;
  }
}

function viewOf(entries: readonly Entry[]): CatalogView {
  const entryJson = new Map<string, string>();
  for (const entry of entries) for (const name of entry.lookups) entryJson.set(name, entry.json);
  return {
    // the same text JSON.stringify({ object: 'list', data }) gives, from the entries already serialised
    listJson: `{"object":"list","data":[${entries.map((e) => e.json).join(',')}]}`,
    entryJson,
    names: entries.flatMap((e) => [e.model.id, ...e.model.aliases]),
  };
}

/** A model in OpenAI's list shape, with OpenRouter-style catalog fields (prices in USD per token, as strings). */
function describeModel(m: BundleModel) {
  const perToken = (usdPerMillion: number | undefined) => (usdPerMillion === undefined ? undefined : plainDecimal(+(usdPerMillion / 1e6).toPrecision(12)));
  return {
    id: m.id,
    object: 'model',
    created: 0,
    owned_by: m.id.split('/')[0],
    name: m.name ?? m.id,
    aliases: m.aliases,
    context_length: m.context,
    max_output_tokens: m.maxOutput ?? null,
    capabilities: m.capabilities,
    pricing: {
      prompt: perToken(m.pricing.prompt),
      completion: perToken(m.pricing.completion),
      input_cache_read: perToken(m.pricing.cacheRead),
      input_cache_write: perToken(m.pricing.cacheWrite),
      request: m.pricing.request === undefined ? undefined : String(m.pricing.request),
    },
    providers: m.candidates.map((c) => c.provider),
  };
}

/**
 * A number as a plain decimal string (`0.0000001`, never `1e-7`), as OpenRouter's catalog writes prices: clients
 * that read them with a decimal parser do not take exponents. Exact: the digits are moved, not recomputed.
 */
export function plainDecimal(value: number): string {
  const text = String(value);
  const exponent = /^(-?)(\d)(?:\.(\d+))?e-(\d+)$/.exec(text);
  if (!exponent) return text;
  const [, sign, first, rest = '', shift] = exponent;
  return `${sign}0.${'0'.repeat(Number(shift) - 1)}${first}${rest}`;
}
