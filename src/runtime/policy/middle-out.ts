/**
 * OpenRouter's `transforms: ["middle-out"]`: a conversation over the context window loses messages from
 * its middle until it fits. The system messages and the first message (the task) stay, and as many of the
 * last messages as fit; a kept tail never starts with a tool result whose call was removed. Sizes are the
 * gateway's estimate (text characters / 4, as the context filter counts them), less `max_tokens` for the answer.
 */
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import { textLength } from './request-features.js';

export const KNOWN_TRANSFORMS: readonly string[] = ['middle-out'];

/** Why a `transforms` member is refused (400), or undefined when every transform is one this gateway applies. */
export function transformsError(transforms: unknown): string | undefined {
  if (!Array.isArray(transforms) || transforms.some((t) => typeof t !== 'string')) return "'transforms' must be an array of transform names, such as [\"middle-out\"]";
  for (const name of transforms as string[]) {
    if (!KNOWN_TRANSFORMS.includes(name)) return `unknown transform '${name}'${didYouMeanSuffix(name, KNOWN_TRANSFORMS)}: this gateway applies ${KNOWN_TRANSFORMS.join(', ')}`;
  }
  return undefined;
}

export function wantsMiddleOut(body: Readonly<Record<string, unknown>>): boolean {
  return Array.isArray(body.transforms) && body.transforms.includes('middle-out');
}

export interface MiddleOutResult {
  /** The request with the middle of its conversation removed. */
  body: Record<string, unknown>;
  removed: number;
}

/**
 * The request trimmed to `context` tokens, or undefined when it already fits (or has no conversation to
 * trim). The conversation is `messages` (Chat Completions, Messages) or an `input` array (Responses).
 */
export function middleOut(body: Readonly<Record<string, unknown>>, context: number): MiddleOutResult | undefined {
  const field = Array.isArray(body.messages) ? 'messages' : Array.isArray(body.input) ? 'input' : undefined;
  if (field === undefined) return undefined;
  const items = body[field] as unknown[];
  const reserve = typeof body.max_tokens === 'number' ? body.max_tokens : typeof body.max_output_tokens === 'number' ? body.max_output_tokens : 0;
  const budget = Math.max(0, context - reserve) * 4;
  const sizes = items.map(textLength);
  const fixed = textLength(body.system) + textLength(body.instructions);
  let total = fixed;
  for (const size of sizes) total += size;
  if (total <= budget) return undefined;

  // the head: leading system messages and the first message of the conversation
  let head = 0;
  while (head < items.length && isSystem(items[head])) head++;
  head = Math.min(items.length, head + 1);
  let used = fixed;
  for (let i = 0; i < head; i++) used += sizes[i]!;
  // the tail: the last messages, as many as fit (at least the last one)
  let start = items.length;
  while (start > head && (start === items.length || used + sizes[start - 1]! <= budget)) {
    start--;
    used += sizes[start]!;
  }
  // a kept tail does not open with a tool result whose call went, nor (Messages) with the role the head ended on
  while (start < items.length - 1 && (isToolResult(items[start]) || sameRole(items[head - 1], items[start]))) start++;
  const removed = start - head;
  if (removed <= 0) return undefined;
  return { body: { ...body, [field]: [...items.slice(0, head), ...items.slice(start)] }, removed };
}

function roleOf(item: unknown): unknown {
  return item !== null && typeof item === 'object' ? (item as { role?: unknown }).role : undefined;
}

function isSystem(item: unknown): boolean {
  const role = roleOf(item);
  return role === 'system' || role === 'developer';
}

/** A Chat `tool` message, a Responses `function_call_output`, or a Messages user turn carrying `tool_result` blocks. */
function isToolResult(item: unknown): boolean {
  if (item === null || typeof item !== 'object') return false;
  const m = item as { role?: unknown; type?: unknown; content?: unknown };
  if (m.role === 'tool' || m.type === 'function_call_output') return true;
  return Array.isArray(m.content) && m.content.some((block) => (block as { type?: unknown } | null)?.type === 'tool_result');
}

/** Two user (or two assistant) turns in a row, which Messages refuses. */
function sameRole(a: unknown, b: unknown): boolean {
  const role = roleOf(a);
  return (role === 'user' || role === 'assistant') && role === roleOf(b);
}
