/**
 * Usage of answers relayed untouched, read as they pass: OpenAI's `usage` object (a JSON answer's, or a
 * stream's final usage chunk, an embeddings answer's), a Responses response's `usage` and Anthropic's
 * `message_start`/`message_delta` usage. Chat Completions and embeddings usage gains OpenRouter's `cost` (USD),
 * recorded as a byte edit; Responses and Anthropic answers stay byte for byte. Only the `usage` object itself is
 * parsed, never the whole answer.
 */
import { mergeUsage, usageFromAnthropic, usageFromOpenAIChat, type CanonicalUsage } from '../../protocols/index.js';
import { usageFromResponses } from '../../protocols/openai-responses/responses-usage.js';
import type { ClientProtocol } from '../../protocols/index.js';
import { jsonStringEnd, skipJsonSpace, type ByteEdits } from './byte-edits.js';

/** Prices a usage in USD. */
export interface UsagePricing {
  costOf(usage: CanonicalUsage): number;
}

const USAGE_KEY = Buffer.from('"usage"');
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const COLON = 0x3a;

/** Start of the next `"usage": {` object in `data` at or after `from` (the index of its brace), or -1. */
function nextUsageObject(data: Buffer, from: number): number {
  for (let at = data.indexOf(USAGE_KEY, from); at >= 0; at = data.indexOf(USAGE_KEY, at + USAGE_KEY.length)) {
    let i = skipJsonSpace(data, at + USAGE_KEY.length);
    if (data[i] !== COLON) continue;
    i = skipJsonSpace(data, i + 1);
    if (data[i] === OPEN) return i; // not `"usage": null`
  }
  return -1;
}

/** Index of the brace closing the object that opens at `open`, or -1 when it does not close in `data`. */
function objectEnd(data: Buffer, open: number): number {
  let depth = 0;
  for (let j = open; j < data.length; j++) {
    const b = data[j];
    if (b === QUOTE) {
      j = jsonStringEnd(data, j);
      if (j < 0) return -1;
    } else if (b === OPEN) depth++;
    else if (b === CLOSE && --depth === 0) return j;
  }
  return -1;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

export class UsageMeter {
  private current: CanonicalUsage | undefined;
  private priced: number | undefined;
  constructor(
    private readonly protocol: ClientProtocol,
    private readonly pricing: UsagePricing,
  ) {}

  /** Reads every usage object of `data` (complete events, or a whole JSON answer); for Chat Completions and embeddings, records `"cost"` going into each that has none. */
  read(data: Buffer, edits: ByteEdits): void {
    for (let start = nextUsageObject(data, 0); start >= 0; ) {
      const end = objectEnd(data, start);
      if (end < 0) {
        // an object that does not close (a malformed event): look for the next one after its brace
        start = nextUsageObject(data, start + 1);
        continue;
      }
      const raw = parse(data.toString('utf8', start, end + 1));
      if (this.protocol === 'openai-chat' || this.protocol === 'openai-embeddings') this.priceOpenAI(raw, end, edits);
      else if (this.protocol === 'openai-responses') {
        // the whole usage, in the response (a stream's response.completed); bytes untouched
        const update = usageFromResponses(raw);
        if (update) this.current = update;
      } else {
        // Anthropic: message_start carries the input side, message_delta the cumulative output
        const update = usageFromAnthropic(raw);
        if (update) this.current = mergeUsage(this.current ?? { inputTokens: 0, outputTokens: 0 }, update);
      }
      start = nextUsageObject(data, end + 1);
    }
  }

  usage(): CanonicalUsage | undefined {
    return this.current;
  }

  /** USD of the current usage, when this meter priced it into the answer. */
  cost(): number | undefined {
    return this.priced;
  }

  private priceOpenAI(raw: unknown, end: number, edits: ByteEdits): void {
    const update = usageFromOpenAIChat(raw);
    if (!update) return;
    this.current = update;
    this.priced = undefined;
    // an upstream that priced its usage itself keeps its bytes; the usage is still read
    if ((raw as Record<string, unknown>).cost !== undefined) return;
    const cost = this.pricing.costOf(update);
    this.priced = cost;
    const empty = Object.keys(raw as object).length === 0;
    edits.replace(end, end, Buffer.from(`${empty ? '' : ','}"cost":${cost}`, 'latin1'));
  }
}
