/**
 * An estimate of a Messages request's input tokens, for `count_tokens` when no Anthropic upstream can count
 * them: every character the model reads (system prompt, message text, tool results, tool_use inputs and
 * tool definitions with their JSON schemas, thinking text) divided by 4, rounded up, plus 1,600 tokens per
 * image or PDF (Anthropic's figure for a ~1.15 megapixel image). Block types, ids, signatures and
 * cache_control are structure, not text, and are not counted.
 */

/** Characters per token: the usual rule of thumb for English text and code. */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_IMAGE = 1_600;
const STRUCTURAL_KEYS = new Set(['type', 'id', 'tool_use_id', 'cache_control', 'signature', 'role', 'media_type', 'citations']);
/** Keys whose values are JSON the model reads as text. */
const JSON_KEYS = new Set(['input', 'input_schema']);

export function estimateInputTokens(body: Readonly<Record<string, unknown>>): number {
  let images = 0;
  const chars = (value: unknown): number => {
    if (typeof value === 'string') return value.length;
    if (Array.isArray(value)) return value.reduce((n: number, item) => n + chars(item), 0);
    if (value === null || typeof value !== 'object') return 0;
    const object = value as Record<string, unknown>;
    if (object.type === 'image' || object.type === 'document') {
      images++;
      return 0;
    }
    let n = 0;
    for (const [key, item] of Object.entries(object)) {
      if (STRUCTURAL_KEYS.has(key)) continue;
      n += JSON_KEYS.has(key) ? JSON.stringify(item ?? null).length : chars(item);
    }
    return n;
  };
  const text = chars(body.system) + chars(body.messages) + chars(body.tools);
  return Math.ceil(text / CHARS_PER_TOKEN) + images * TOKENS_PER_IMAGE;
}
