import type { StopReason } from '../canonical.js';

export type OpenAIFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'function_call';

export function stopReasonFromOpenAI(finishReason: unknown): StopReason {
  switch (finishReason) {
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    case 'error':
      return 'error';
    default:
      return 'stop';
  }
}

/** OpenAI has no finish reason for a failed generation; the stream encoder reports failures as an in-band error instead. */
export function stopReasonToOpenAI(stopReason: StopReason): OpenAIFinishReason {
  return stopReason === 'error' ? 'stop' : stopReason;
}
