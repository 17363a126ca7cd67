/**
 * An estimate of a request's input tokens, for Messages' `count_tokens` when no Anthropic upstream can count
 * them and for Responses' `input_tokens` when no upstream serves Responses natively: every character the
 * model reads (Messages: system prompt, message text, tool results, tool_use inputs, thinking text;
 * Responses: instructions and input items; both: tool definitions with their JSON schemas) divided by 4,
 * rounded up, plus 1,600 tokens per image or file (Anthropic's figure for a ~1.15 megapixel image). Block
 * types, ids, signatures, statuses and cache_control are structure, not text, and are not counted.
 */

/** Characters per token: the usual rule of thumb for English text and code. */
const CHARS_PER_TOKEN = 4;
const TOKENS_PER_IMAGE = 1_600;
const STRUCTURAL_KEYS = new Set(['type', 'id', 'tool_use_id', 'call_id', 'status', 'cache_control', 'signature', 'role', 'media_type', 'citations']);
const IMAGE_TYPES = new Set(['image', 'document', 'input_image', 'input_file']);
/** Keys whose values are JSON the model reads as text. */
const JSON_KEYS = new Set(['input', 'input_schema', 'parameters']);

/** The estimate for one text the model reads on its own (an embeddings input). */
export function estimateTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

export function estimateInputTokens(body: Readonly<Record<string, unknown>>): number {
  let images = 0;
  const chars = (value: unknown): number => {
    if (typeof value === 'string') return value.length;
    if (Array.isArray(value)) return value.reduce((n: number, item) => n + chars(item), 0);
    if (value === null || typeof value !== 'object') return 0;
    const object = value as Record<string, unknown>;
    if (typeof object.type === 'string' && IMAGE_TYPES.has(object.type)) {
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
  const text = chars(body.system) + chars(body.messages) + chars(body.instructions) + chars(body.input) + chars(body.tools);
  return Math.ceil(text / CHARS_PER_TOKEN) + images * TOKENS_PER_IMAGE;
}
