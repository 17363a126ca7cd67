/**
 * Usage of answers relayed untouched, read as they pass: OpenAI's `usage` object (a JSON answer's, or a
 * stream's final usage chunk) and Anthropic's `message_start`/`message_delta` usage. OpenAI-shaped usage
 * gains OpenRouter's `cost` (USD); Anthropic answers stay byte for byte. Only events that mention
 * `"usage"` are parsed, so the rest of a stream passes without a JSON parse.
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

/** `costOf` prices a usage in USD. */
export function nativeUsageMeter(protocol: ClientProtocol, costOf: (usage: CanonicalUsage) => number): UsageMeter {
  let usage: CanonicalUsage | undefined;
  const addsCost = protocol === 'openai-chat';

  const readOpenAI = (payload: Record<string, unknown>): boolean => {
    const read = usageFromOpenAIChat(payload.usage);
    if (!read) return false;
    usage = read;
    (payload.usage as Record<string, unknown>).cost = costOf(read);
    return true;
  };
  const readAnthropic = (payload: Record<string, unknown>) => {
    const raw = payload.type === 'message_start' ? (payload.message as Record<string, unknown> | undefined)?.usage : payload.usage;
    const read = usageFromAnthropic(raw);
    if (read) usage = mergeUsage(usage ?? { inputTokens: 0, outputTokens: 0 }, read);
  };

  return {
    events(events) {
      if (events.indexOf('"usage"') < 0) return events;
      let changed = false;
      const out = events
        .toString('utf8')
        .split(/(?<=\n\n)/)
        .map((event) => {
          if (!event.includes('"usage"')) return event;
          const lines = event.split('\n');
          const at = lines.findIndex((l) => l.startsWith('data:'));
          if (at < 0) return event;
          const payload = parseObject(lines[at]!.slice(5).trim());
          if (!payload) return event;
          if (!addsCost) {
            readAnthropic(payload);
            return event;
          }
          if (!readOpenAI(payload)) return event;
          changed = true;
          lines[at] = `data: ${JSON.stringify(payload)}`;
          return lines.join('\n');
        })
        .join('');
      return changed ? Buffer.from(out, 'utf8') : events;
    },
    json(body) {
      if (body.indexOf('"usage"') < 0) return body;
      const payload = parseObject(body.toString('utf8'));
      if (!payload) return body;
      if (!addsCost) {
        const read = usageFromAnthropic(payload.usage);
        if (read) usage = mergeUsage({ inputTokens: 0, outputTokens: 0 }, read);
        return body;
      }
      return readOpenAI(payload) ? Buffer.from(JSON.stringify(payload), 'utf8') : body;
    },
    usage: () => usage,
  };
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
