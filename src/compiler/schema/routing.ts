import { z } from 'zod';

/** A status that fails over: a number, or a class such as `5xx`. */
export const failoverStatusSchema = z.union([
  z.number().int().min(400).max(599),
  z.enum(['4xx', '5xx']),
]);

export const routingSchema = z
  .object({
    /** How long an upstream that answered 408/5xx/timeout is skipped. */
    cooldownMs: z.number().int().nonnegative().default(30_000),
    /** How long a key that answered 401/402/403 is quarantined. */
    keyQuarantineMs: z.number().int().nonnegative().default(600_000),
    maxAttempts: z.number().int().min(1).max(50).default(6),
    /** Total deadline for one client request across all attempts. */
    requestTimeoutMs: z.number().int().positive().default(600_000),
    connectTimeoutMs: z.number().int().positive().default(10_000),
    firstByteTimeoutMs: z.number().int().positive().default(300_000),
    idleTimeoutMs: z.number().int().positive().default(60_000),
    /** Statuses that move on to the next key or upstream. 400/404/413/422 are the request's fault and are returned. */
    failoverStatuses: z.array(failoverStatusSchema).default([401, 402, 403, 408, 429, '5xx']),
    /** Interval of SSE comment keep-alives while waiting for a slow first byte. */
    keepAliveMs: z.number().int().positive().default(15_000),
  })
  .strict();

export type RoutingInput = z.input<typeof routingSchema>;
export type RoutingSpec = z.output<typeof routingSchema>;
