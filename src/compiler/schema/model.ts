import { z } from 'zod';
import { providerPreferencesSchema, quantizations } from '../../preferences/provider-preferences-schema.js';

export const capabilities = ['tools', 'vision', 'json', 'reasoning', 'streaming', 'audio', 'coding', 'embeddings'] as const;

/** USD per 1M tokens (request: USD per request). */
export const pricingSchema = z
  .object({
    prompt: z.number().nonnegative(),
    completion: z.number().nonnegative(),
    cacheRead: z.number().nonnegative().optional(),
    cacheWrite: z.number().nonnegative().optional(),
    request: z.number().nonnegative().optional(),
  })
  .strict();

export const upstreamSchema = z
  .object({
    provider: z.string().min(1),
    /** The model name the provider expects. */
    model: z.string().min(1),
    /** Lower is tried first. */
    priority: z.number().int().min(0).default(1),
    /** Overrides the model's pricing for this upstream. */
    pricing: pricingSchema.optional(),
    /** Request parameters this upstream supports (for `require_parameters`). */
    parameters: z.array(z.string()).optional(),
    /** Zero data retention: the upstream keeps no prompt or completion (`provider.zdr: true` routes only here). */
    zdr: z.boolean().optional(),
    /** Whether the upstream may store or train on requests (`provider.data_collection: deny` routes only to `deny`). */
    dataCollection: z.enum(['allow', 'deny']).optional(),
    /** The weights' precision at this upstream (`provider.quantizations`). */
    quantization: z.enum(quantizations).optional(),
    /** The model's terms allow distilling its text output (`provider.enforce_distillable_text`). */
    distillable: z.boolean().optional(),
    /** Share of traffic among this model's upstreams of the same priority (default 1 each). */
    weight: z.number().positive().optional(),
  })
  .strict();

/** `cache: { ttl: seconds }` on a model or preset: its answers go to the response cache. */
export const responseCacheSchema = z.object({ ttl: z.number().positive() }).strict();

export const modelIdPattern = /^[a-z0-9][a-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:-]*$/;

export const modelSchema = z
  .object({
    id: z.string().regex(modelIdPattern, 'a canonical "provider/model" id'),
    name: z.string().optional(),
    aliases: z.array(z.string().min(1)).default([]),
    context: z.number().int().positive(),
    maxOutput: z.number().int().positive().optional(),
    capabilities: z.array(z.enum(capabilities)).default([]),
    pricing: pricingSchema,
    upstreams: z.array(upstreamSchema).default([]),
    /** Models tried, in order, when every upstream of this one fails. */
    fallbacks: z.array(z.string()).default([]),
    /** Strength for virtual pools (higher is tried first). */
    rank: z.number().optional(),
    /** How upstreams that share a priority split traffic: by `weight` (default), or `latency` (power of two choices over live latency). */
    balance: z.enum(['weight', 'latency']).optional(),
    /**
     * Prompt-cache stickiness among upstreams that share a priority: a conversation's prefix served by one
     * prefers it for `minutes` (default 5); `false` turns it off.
     */
    sticky: z.union([z.literal(false), z.object({ minutes: z.number().positive() }).strict()]).optional(),
    /** Answers to requests for this model are cached for `ttl` seconds (exact match; the request may say no-store). */
    cache: responseCacheSchema.optional(),
    /** Default provider preferences for requests to this model. */
    provider: providerPreferencesSchema.optional(),
  })
  .strict();

export const modelFileSchema = z.object({ models: z.array(z.unknown()) }).strict();

export type ModelInput = z.input<typeof modelSchema>;
export type ModelSpec = z.output<typeof modelSchema>;
export type Pricing = z.output<typeof pricingSchema>;
