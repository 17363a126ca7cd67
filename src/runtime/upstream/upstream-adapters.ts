/** The adapter of each upstream type the runtime serves. */
import type { UpstreamType } from '../../protocols/index.js';
import { anthropicAdapter } from './anthropic-request.js';
import { geminiAdapter } from './gemini-request.js';
import { openAIAdapter } from './openai-request.js';
import type { UpstreamAdapter } from './upstream-adapter.js';

export const upstreamAdapters: Readonly<Record<UpstreamType, UpstreamAdapter>> = {
  openai: openAIAdapter,
  anthropic: anthropicAdapter,
  gemini: geminiAdapter,
};
