/**
 * `POST /v1/responses/input_tokens` and `POST /v1/responses/compact`: Responses operations on a model that
 * only an `openai` provider with `responses: true` performs (they have no translation). They go through the
 * model pipeline (failover, key pools, budgets, the request log) to those upstreams alone, relayed untouched
 * (their answers hold no `model` to rename). A model without such an upstream gets the gateway's estimate
 * for `input_tokens` (`x-anyrouter-token-count: estimate`) and a 400 for `compact`.
 */
import type { ClientProtocolSpec, NativeRelay } from './client-protocol.js';
import { openAIResponsesClient } from './openai-responses-client.js';
import { estimateInputTokens } from './token-estimate.js';

const responsesNative = openAIResponsesClient.native!;

/** The native relay of `/responses`, at another path, to Responses upstreams only, with nothing renamed. */
function nativeOnly(path: string, only: NonNullable<NativeRelay['only']>): NativeRelay {
  return { ...responsesNative, path, renamesModel: false, only };
}

const ESTIMATE_HEADERS = Object.freeze({ 'x-anyrouter-token-count': 'estimate' });

export const openAIResponsesInputTokensClient: ClientProtocolSpec = {
  ...openAIResponsesClient,
  native: nativeOnly('/responses/input_tokens', {
    whenNone(body, target) {
      const counted = target.system !== undefined ? openAIResponsesClient.withSystem(body, target.system) : body;
      return { json: JSON.stringify({ object: 'response.input_tokens', input_tokens: estimateInputTokens(counted) }), headers: ESTIMATE_HEADERS };
    },
  }),
  // `input` is optional here (a `previous_response_id` or a conversation can stand for it)
  checkContent: () => undefined,
};

export const openAIResponsesCompactClient: ClientProtocolSpec = {
  ...openAIResponsesClient,
  native: nativeOnly('/responses/compact', {
    whenNone: (_body, target) => ({
      status: 400,
      code: 'responses_not_native',
      message: `model '${target.models[0]?.spec.id ?? 'unknown'}' has no upstream that serves Responses natively (an 'openai' provider with responses: true), and only such an upstream can compact a conversation`,
    }),
  }),
  checkContent: () => undefined,
};
