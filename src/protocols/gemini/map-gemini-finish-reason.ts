import type { StopReason } from '../canonical.js';

const CONTENT_FILTER = new Set(['SAFETY', 'RECITATION', 'BLOCKLIST', 'PROHIBITED_CONTENT', 'SPII', 'IMAGE_SAFETY', 'LANGUAGE']);
const FAILED = new Set(['MALFORMED_FUNCTION_CALL', 'UNEXPECTED_TOOL_CALL', 'TOO_MANY_TOOL_CALLS', 'OTHER']);

/** Gemini says STOP after a function call too; `hasFunctionCalls` tells the two apart. */
export function stopReasonFromGemini(finishReason: unknown, hasFunctionCalls: boolean): StopReason {
  if (finishReason === 'MAX_TOKENS') return 'length';
  if (typeof finishReason === 'string' && CONTENT_FILTER.has(finishReason)) return 'content_filter';
  if (typeof finishReason === 'string' && FAILED.has(finishReason)) return 'error';
  return hasFunctionCalls ? 'tool_calls' : 'stop';
}

export function stopReasonToGemini(stopReason: StopReason): string {
  switch (stopReason) {
    case 'length':
      return 'MAX_TOKENS';
    case 'content_filter':
      return 'SAFETY';
    case 'error':
      return 'OTHER';
    default:
      return 'STOP';
  }
}
