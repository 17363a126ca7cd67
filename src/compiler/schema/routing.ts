import { z } from 'zod';
import { DEFAULT_OUTLIER_POLICY as D } from '../../runtime/engine/outlier.js';

/** A status that fails over: a number, or a class such as `5xx`. */
export const failoverStatusSchema = z.union([
  z.number().int().min(400).max(599),
  z.enum(['4xx', '5xx']),
]);

/** When an upstream is ejected (outlier detection), and for how long. */
export const outlierSchema = z
  .object({
    /** Upstream failures (408, 5xx, timeout, reset, connect) in a row that eject it. */
    consecutive: z.number().int().min(1).default(D.consecutive),
    /** Share of failed attempts within `windowMs` that ejects (with at least `minRequests` attempts). */
    failureRate: z.number().gt(0).max(1).default(D.failureRate),
    minRequests: z.number().int().min(1).default(D.minRequests),
    windowMs: z.number().int().min(10).default(D.windowMs),
    /** At most this percent of a model's upstreams is ejected at once (66: 2 of 3); one is always left. */
    maxEjectionPercent: z.number().min(0).max(100).default(D.maxEjectionPercent),
    /** An ejection lasts cooldownMs times the upstream's recent ejections, at most this. */
    maxCooldownMs: z.number().int().nonnegative().default(D.maxCooldownMs),
  })
  .strict();

export const routingSchema = z
  .object({
    /** Base length of an ejection (outlier detection), and of a 429's key quarantine without Retry-After. */
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
    outlier: outlierSchema.default(outlierSchema.parse({})),
  })
  .strict();

export type RoutingInput = z.input<typeof routingSchema>;
export type RoutingSpec = z.output<typeof routingSchema>;
