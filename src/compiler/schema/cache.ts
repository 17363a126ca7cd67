import { z } from 'zod';

/**
 * `cache`: the response cache's bounds. `maxBytes` bounds the in-memory store (each process's own; with
 * `state.redis` the entries live in Redis, whose `maxmemory` is the operator's); `maxEntryBytes` is the
 * largest answer either store keeps (default: 8 MiB or `maxBytes`, whichever is smaller).
 */
export const cacheSchema = z
  .object({
    maxBytes: z.number().int().positive().optional(),
    maxEntryBytes: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((cache, ctx) => {
    if (cache.maxBytes !== undefined && cache.maxEntryBytes !== undefined && cache.maxEntryBytes > cache.maxBytes) {
      ctx.addIssue({ code: 'too_big', origin: 'number', maximum: cache.maxBytes, inclusive: true, input: cache.maxEntryBytes, path: ['maxEntryBytes'], message: `maxEntryBytes (${cache.maxEntryBytes}) is over maxBytes (${cache.maxBytes}): no entry that large would fit` });
    }
  });

export type CacheInput = z.input<typeof cacheSchema>;
