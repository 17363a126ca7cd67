import { z } from 'zod';
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
      })
      .strict()
      .optional(),
  })
  .strict();
