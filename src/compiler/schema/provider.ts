import { z } from 'zod';
import { envRefSchema } from './secret-ref.js';

export const providerTypes = ['openai', 'anthropic', 'gemini'] as const;
export const keyStrategies = ['fallback', 'round-robin', 'weighted', 'random'] as const;

export const providerKeySchema = z
  .object({
    name: z.string().min(1),
    value: envRefSchema,
    weight: z.number().int().positive().default(1),
    /** byok: the user's own key, tried first; shared: the operator's pay-as-you-go pool. */
    tier: z.enum(['byok', 'shared']).default('byok'),
  })
  .strict();

/** A header value is either a plain string or an env reference (for secrets such as org ids). */
export const headerValueSchema = z.union([z.string(), envRefSchema]);

export const providerSchema = z
  .object({
    type: z.enum(providerTypes),
    baseUrl: z.url({ protocol: /^https?$/ }),
    keys: z.array(providerKeySchema).default([]),
    keyStrategy: z.enum(keyStrategies).default('fallback'),
    /** Total deadline of one attempt, in ms. */
    timeoutMs: z.number().int().positive().optional(),
    connectTimeoutMs: z.number().int().positive().optional(),
    firstByteTimeoutMs: z.number().int().positive().optional(),
    idleTimeoutMs: z.number().int().positive().optional(),
    headers: z.record(z.string(), headerValueSchema).default({}),
    /** `never`: this provider's shared (operator) keys are never used, only BYOK ones. */
    shared: z.enum(['fallback', 'never']).default('fallback'),
    /** Max open connections to this provider's origin. */
    connections: z.number().int().positive().optional(),
    /**
     * An `openai` provider that also serves OpenAI Responses at `{baseUrl}/responses` (as api.openai.com does):
     * `/v1/responses` requests go to it as sent instead of translated to Chat Completions.
     */
    responses: z.boolean().optional(),
  })
  .strict()
  .refine((p) => p.responses !== true || p.type === 'openai', { path: ['responses'], message: "'responses' is for an 'openai' provider (one that also serves OpenAI Responses)" });

export type ProviderInput = z.input<typeof providerSchema>;
export type ProviderSpec = z.output<typeof providerSchema>;
