/** Chat completions requests: parsing (only as far as routing needs) and the preset merge, in OpenAI's shape. */
import type { RequestTarget } from '../policy/request-target.js';
import { mergePreset, parseClientBody, type ParsedBody } from './client-body.js';
import { openAIChatClient } from './openai-chat-client.js';

export function parseChatRequest(raw: Buffer): ParsedBody {
  return parseClientBody(raw, openAIChatClient);
}

/** The chat request with the preset merged under it, or undefined when nothing changes (see `mergePreset`). */
export function upstreamBase(body: Record<string, unknown>, target: RequestTarget): Record<string, unknown> | undefined {
  return mergePreset(body, target, openAIChatClient);
}
