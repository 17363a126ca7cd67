import { z } from 'zod';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS } from '../../bundle/format.js';
import { envRefSchema } from './secret-ref.js';

/** A Redis URL: an env reference, or a literal without credentials (a password is a secret, like a key). */
const redisUrlSchema = z.union([
  envRefSchema,
  z
    .string()
    .regex(/^rediss?:\/\/[^@/]+(?:\/\d+)?$/, "a redis:// or rediss:// URL without user or password (put one with credentials in the environment: env('REDIS_URL'))"),
]);

/** `state`: where health marks and limits are shared between workers and replicas (absent: in-process). */
export const stateSchema = z
  .object({
    redis: z
      .object({
        url: redisUrlSchema,
        /** Every key and channel starts with it, so gateways of different configs can share one Redis. */
        prefix: z.string().min(1).default('anyrouter:'),
        /** Limits when Redis does not answer: `open` serves (the default), `closed` answers 429. */
        onError: z.enum(['open', 'closed']).default('open'),
        /**
         * How long a request waits for Redis (a cache lookup, a limit's count) before it goes on without it:
         * a Redis that is connected but stalls is then an error (a cache miss, a limit's `onError`), not a hang.
         */
        commandTimeoutMs: z.number().int().min(1).max(60_000).default(DEFAULT_REDIS_COMMAND_TIMEOUT_MS),
      })
      .strict()
      .optional(),
  })
  .strict();
