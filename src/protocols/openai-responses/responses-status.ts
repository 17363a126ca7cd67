/** The Responses API has no finish reason: a stop reason maps to a status plus `incomplete_details`. */
import type { JsonObject, StopReason } from '../canonical.js';
import { objectAt } from '../json-reader.js';

export type ResponsesStatus = 'completed' | 'incomplete' | 'failed';

export function statusForStopReason(stopReason: StopReason): { status: ResponsesStatus; incompleteDetails: JsonObject | null } {
  if (stopReason === 'length') return { status: 'incomplete', incompleteDetails: { reason: 'max_output_tokens' } };
  if (stopReason === 'content_filter') return { status: 'incomplete', incompleteDetails: { reason: 'content_filter' } };
  if (stopReason === 'error') return { status: 'failed', incompleteDetails: null };
  return { status: 'completed', incompleteDetails: null };
}

export function stopReasonFromStatus(status: unknown, incompleteDetails: unknown, hasFunctionCalls: boolean): StopReason {
  if (status === 'failed') return 'error';
  if (status === 'incomplete') return objectAt(incompleteDetails)?.reason === 'content_filter' ? 'content_filter' : 'length';
  return hasFunctionCalls ? 'tool_calls' : 'stop';
}
