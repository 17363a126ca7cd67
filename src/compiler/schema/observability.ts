import { z } from 'zod';
import { headerValueSchema } from './provider.js';
import { envRefSchema } from './secret-ref.js';

/**
 * The request log in PostgreSQL instead of the SQLite file. The URL can hold a password, so it is a
 * secret reference (`env('DATABASE_URL')`), read at serve time and never written into the bundle.
 */
export const postgresLogSchema = z.object({ url: envRefSchema }).strict();

/** Request logs (SQLite, or PostgreSQL with `postgres`), prompt/completion bodies, the stdout access log, and OpenTelemetry export. */
export const loggingSchema = z
  .object({
    /** Keep a record of every request in an embedded SQLite file. */
    enabled: z.boolean().default(true),
    path: z.string().min(1).default('.anyrouter/anyrouter.db'),
    /** Absent: the SQLite file at `path`. Replicas that share one URL share one log. */
    postgres: postgresLogSchema.optional(),
    retentionDays: z.number().int().nonnegative().default(30),
    /** Store prompt and completion bodies (size-capped). Off by default. */
    bodies: z.boolean().default(false),
    bodyMaxBytes: z.number().int().positive().default(65_536),
    /** Redact emails, phone numbers and key-like strings in stored bodies. */
    redact: z.boolean().default(true),
    /** One JSON line per request on stdout. */
    accessLog: z.boolean().default(true),
  })
  .strict();

export const telemetrySchema = z
  .object({
    /** OTLP/HTTP traces endpoint, e.g. http://127.0.0.1:4318/v1/traces. Absent: nothing is loaded. */
    otlpEndpoint: z.url({ protocol: /^https?$/ }).optional(),
    otlpHeaders: z.record(z.string(), headerValueSchema).default({}),
    serviceName: z.string().min(1).default('anyrouter'),
  })
  .strict();
