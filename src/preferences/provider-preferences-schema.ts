import { z } from 'zod';

/** OpenRouter's quantization names (an upstream's `quantization`, the request's `provider.quantizations`). */
export const quantizations = ['int4', 'int8', 'fp4', 'fp6', 'fp8', 'fp16', 'bf16', 'fp32', 'unknown'] as const;

const latencyPercentiles = z
  .object({ p50: z.number().nonnegative(), p75: z.number().nonnegative(), p90: z.number().nonnegative(), p99: z.number().nonnegative() })
  .partial()
  .strict();

/** OpenRouter's request-level `provider` object; also a default per model and per preset. */
export const providerPreferencesSchema = z
  .object({
    order: z.array(z.string()).optional(),
    only: z.array(z.string()).optional(),
    ignore: z.array(z.string()).optional(),
    allow_fallbacks: z.boolean().optional(),
    sort: z
      .union([
        z.enum(['price', 'latency', 'throughput']),
        z.object({ by: z.enum(['price', 'latency', 'throughput']), partition: z.enum(['model', 'none']).optional() }).strict(),
      ])
      .optional(),
    max_price: z
      .object({ prompt: z.number().nonnegative(), completion: z.number().nonnegative(), request: z.number().nonnegative() })
      .partial()
      .strict()
      .optional(),
    preferred_max_latency: z.union([z.number().nonnegative(), latencyPercentiles]).optional(),
    preferred_min_throughput: z.union([z.number().nonnegative(), latencyPercentiles]).optional(),
    require_parameters: z.boolean().optional(),
    /** Only upstreams marked `zdr: true`. */
    zdr: z.boolean().optional(),
    /** `deny`: only upstreams marked `dataCollection: deny`. */
    data_collection: z.enum(['allow', 'deny']).optional(),
    /** Only upstreams whose `quantization` is listed (an upstream without one counts as `unknown`). */
    quantizations: z.array(z.enum(quantizations)).optional(),
    /** Only upstreams marked `distillable: true`. */
    enforce_distillable_text: z.boolean().optional(),
  })
  .strict();

export type ProviderPreferences = z.infer<typeof providerPreferencesSchema>;
