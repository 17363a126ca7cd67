/**
 * Usage of answers relayed untouched, read as they pass: OpenAI's `usage` object (a JSON answer's, or a
 * stream's final usage chunk) and Anthropic's `message_start`/`message_delta` usage. OpenAI-shaped usage
 * gains OpenRouter's `cost` (USD), spliced into the bytes; Anthropic answers stay byte for byte. Only the
 * `usage` object itself is parsed, never the whole answer.
 */
import { mergeUsage, usageFromAnthropic, usageFromOpenAIChat, type CanonicalUsage } from '../../protocols/index.js';
import type { ClientProtocol } from '../../protocols/index.js';

export interface UsageMeter {
  /** Complete SSE events in; the events to write out. */
  events(events: Buffer): Buffer;
  /** A JSON answer in; the body to send. */
  json(body: Buffer): Buffer;
  usage(): CanonicalUsage | undefined;
}

const USAGE_KEY = Buffer.from('"usage"');
const OPEN = 0x7b; // {
const CLOSE = 0x7d; // }
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** Start and end (inclusive) of each `"usage": {...}` object in `data` at or after `from`. */
function* usageObjects(data: Buffer, from = 0): Generator<[start: number, end: number]> {
  for (let at = data.indexOf(USAGE_KEY, from); at >= 0; at = data.indexOf(USAGE_KEY, at + USAGE_KEY.length)) {
    let i = at + USAGE_KEY.length;
    while (i < data.length && (data[i] === 0x20 || data[i] === 0x3a)) i++; // spaces and the colon
    if (data[i] !== OPEN) continue; // `"usage": null`
    let depth = 0;
    let inString = false;
    for (let j = i; j < data.length; j++) {
      const b = data[j];
      if (inString) {
        if (b === BACKSLASH) j++;
        else if (b === QUOTE) inString = false;
      } else if (b === QUOTE) inString = true;
      else if (b === OPEN) depth++;
      else if (b === CLOSE && --depth === 0) {
        yield [i, j];
        at = j;
        break;
      }
    }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** `costOf` prices a usage in USD. */
export function nativeUsageMeter(protocol: ClientProtocol, costOf: (usage: CanonicalUsage) => number): UsageMeter {
  let usage: CanonicalUsage | undefined;
  const addsCost = protocol === 'openai-chat';

  /** Reads every usage object; for OpenAI, splices `"cost"` into each that already has none. */
  const read = (data: Buffer): Buffer => {
    let out: Buffer[] | undefined;
    let copied = 0;
    for (const [start, end] of usageObjects(data)) {
      const raw = parse(data.subarray(start, end + 1).toString('utf8'));
      if (!addsCost) {
        // Anthropic: message_start carries the input side, message_delta the cumulative output
        const update = usageFromAnthropic(raw);
        if (update) usage = mergeUsage(usage ?? { inputTokens: 0, outputTokens: 0 }, update);
        continue;
      }
      const update = usageFromOpenAIChat(raw);
      if (!update || (raw as Record<string, unknown>).cost !== undefined) continue;
      usage = update;
      out ??= [];
      const empty = Object.keys(raw as object).length === 0;
      out.push(data.subarray(copied, end), Buffer.from(`${empty ? '' : ','}"cost":${costOf(update)}`));
      copied = end;
    }
    if (!out) return data;
    out.push(data.subarray(copied));
    return Buffer.concat(out);
  };

  return {
    events: read,
    json: read,
    usage: () => usage,
  };
}
