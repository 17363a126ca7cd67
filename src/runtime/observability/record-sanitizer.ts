/**
 * What the store does to a record before it is written: every string loses the gateway's provider
 * key values; bodies are dropped unless body logging is on, and then redacted and capped.
 */
import type { AttemptTrace, RequestBodies, RequestRecord } from './request-record.js';
import { prepareBody, redactSensitive, SecretScrubber, type BodyPolicy } from './redaction.js';

export interface BodyLogging extends BodyPolicy {
  /** `logging.bodies`: store prompt and completion bodies at all. */
  enabled: boolean;
}

export const DEFAULT_BODY_LOGGING: BodyLogging = { enabled: false, redact: true, maxBytes: 64 * 1024 };

export interface RecordSanitizer {
  (record: RequestRecord): RequestRecord;
}

export function createRecordSanitizer(options: { secrets?: Iterable<string>; bodies?: Partial<BodyLogging> } = {}): RecordSanitizer {
  const scrubber = new SecretScrubber(options.secrets ?? []);
  const bodies: BodyLogging = { ...DEFAULT_BODY_LOGGING, ...options.bodies };
  const text = (value: string): string => (scrubber.size === 0 ? value : scrubber.scrub(value));
  const opt = (value: string | undefined): string | undefined => (value === undefined ? undefined : text(value));
  // free text that may quote an upstream's error message
  const prose = (value: string | undefined): string | undefined => (value === undefined ? undefined : bodies.redact ? redactSensitive(text(value)) : text(value));

  const attempt = (a: AttemptTrace): AttemptTrace => ({
    ...a,
    upstream: text(a.upstream),
    provider: text(a.provider),
    upstreamModel: text(a.upstreamModel),
    keyName: text(a.keyName),
    errorClass: prose(a.errorClass),
    nextBecause: prose(a.nextBecause),
  });

  const keptBodies = (b: RequestBodies | undefined): RequestBodies | undefined => {
    if (!bodies.enabled || b === undefined) return undefined;
    const out: RequestBodies = {};
    if (b.request !== undefined) out.request = prepareBody(b.request, bodies, scrubber);
    if (b.response !== undefined) out.response = prepareBody(b.response, bodies, scrubber);
    return out;
  };

  /** Any string of the record holds a key value. */
  const holdsSecret = (record: RequestRecord): boolean => {
    if (scrubber.size === 0) return false;
    const found = (value: string | undefined) => value !== undefined && scrubber.foundIn(value);
    const { app } = record;
    if (found(record.id) || found(record.gatewayKey) || found(record.user) || found(record.requestedModel) || found(record.preset) || found(record.servedModel) || found(record.errorClass)) return true;
    if (found(app.title) || found(app.source) || found(app.version) || found(app.referer)) return true;
    return record.attempts.some((a) => found(a.upstream) || found(a.provider) || found(a.upstreamModel) || found(a.keyName) || found(a.errorClass) || found(a.nextBecause));
  };
  const hasProse = (record: RequestRecord): boolean => record.errorClass !== undefined || record.attempts.some((a) => a.errorClass !== undefined || a.nextBecause !== undefined);

  return (record) => {
    // the common record (served, no bodies, no key in it) goes to the store as it is: no copy
    if (record.bodies === undefined && !(bodies.redact && hasProse(record)) && !holdsSecret(record)) return record;
    return sanitized(record);
  };

  function sanitized(record: RequestRecord): RequestRecord {
    return {
      ...record,
      id: text(record.id),
      gatewayKey: opt(record.gatewayKey),
      app: { title: opt(record.app.title), source: opt(record.app.source), version: opt(record.app.version), referer: opt(record.app.referer) },
      user: opt(record.user),
      requestedModel: text(record.requestedModel),
      preset: opt(record.preset),
      servedModel: opt(record.servedModel),
      errorClass: prose(record.errorClass),
      attempts: record.attempts.map(attempt),
      bodies: keptBodies(record.bodies),
    };
  }
}

/** The sanitizer of a store, whose secrets can grow (a reloaded bundle's new keys): rebuilt only when one is new. */
export class StoreSanitizer {
  private readonly secrets: Set<string>;
  private current: RecordSanitizer;

  constructor(private readonly options: { secrets?: Iterable<string>; bodies?: Partial<BodyLogging> }) {
    this.secrets = new Set(options.secrets ?? []);
    this.current = createRecordSanitizer({ secrets: this.secrets, bodies: options.bodies });
  }

  sanitize(record: Parameters<RecordSanitizer>[0]): ReturnType<RecordSanitizer> {
    return this.current(record);
  }

  /** Removes these values too from every record sanitized from now on. */
  addSecrets(values: Iterable<string>): void {
    const before = this.secrets.size;
    for (const value of values) if (value !== '') this.secrets.add(value);
    if (this.secrets.size !== before) this.current = createRecordSanitizer({ secrets: this.secrets, bodies: this.options.bodies });
  }
}
