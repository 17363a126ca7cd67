/**
 * A request record as JSON text, made once per request for the access log line and the request log's
 * queue. Written member by member from the record's known shape: about twice as fast as
 * JSON.stringify on a record (V8 20's serializer walks each object's properties generically).
 *
 * Whatever the record holds, the text is valid JSON, and for a record of the declared shape it parses
 * to what JSON.stringify's text parses to (a property test holds it to that): members that are
 * undefined are left out, numbers that are not finite become null, values of an unexpected type go
 * through JSON.stringify. Members the types do not declare are not written.
 */
import type { AppAttribution, AttemptTrace, RequestRecord, TokenUsage } from './request-record.js';

/** A request record as JSON text (`recordJson`, or the whole record when its bodies are kept). */
export type RecordJson = string;

/**
 * The record as JSON, without its bodies (they are stored only when `logging.bodies` is on, and
 * never printed).
 */
export function recordJson(r: RequestRecord): RecordJson {
  return (
    '{"id":' +
    (value(r.id) ?? 'null') +
    member('time', r.time) +
    member('gatewayKey', r.gatewayKey) +
    ',"app":' +
    flatJson(r.app, APP_MEMBERS) +
    member('protocol', r.protocol) +
    member('requestedModel', r.requestedModel) +
    member('preset', r.preset) +
    member('servedModel', r.servedModel) +
    member('stream', r.stream) +
    member('status', r.status) +
    member('errorClass', r.errorClass) +
    member('latencyMs', r.latencyMs) +
    member('ttfbMs', r.ttfbMs) +
    (r.tokens === undefined ? '' : ',"tokens":' + flatJson(r.tokens, TOKEN_MEMBERS)) +
    member('costUsd', r.costUsd) +
    ',"attempts":' +
    attemptsJson(r.attempts) +
    '}'
  );
}

/**
 * Every member of a record and an attempt, and whether recordJson writes it: adding a member to
 * RequestRecord or AttemptTrace fails the type check here until recordJson writes it too.
 */
export const WRITTEN_MEMBERS = {
  record: {
    id: true, time: true, gatewayKey: true, app: true, protocol: true, requestedModel: true, preset: true, servedModel: true, stream: true,
    status: true, errorClass: true, latencyMs: true, ttfbMs: true, tokens: true, costUsd: true, attempts: true, bodies: false,
  } satisfies Record<keyof RequestRecord, boolean>,
  attempt: {
    upstream: true, provider: true, upstreamModel: true, keyName: true, keyTier: true, outcome: true, status: true, errorClass: true,
    startedAt: true, latencyMs: true, ttfbMs: true, nextBecause: true,
  } satisfies Record<keyof AttemptTrace, boolean>,
};

const APP_MEMBERS = ['title', 'source', 'version', 'referer'] as const satisfies ReadonlyArray<keyof AppAttribution>;
const TOKEN_MEMBERS = ['prompt', 'completion', 'cached', 'reasoning'] as const satisfies ReadonlyArray<keyof TokenUsage>;

/** A record back from its JSON (a queued record on its way into a store). */
export function parseRecordJson(json: RecordJson): RequestRecord {
  return JSON.parse(json) as RequestRecord;
}

function attemptsJson(attempts: readonly AttemptTrace[]): string {
  if (!Array.isArray(attempts)) return value(attempts) ?? 'null';
  let text = '[';
  for (let i = 0; i < attempts.length; i++) {
    if (i > 0) text += ',';
    const a = attempts[i];
    text += a === null || typeof a !== 'object' ? (value(a) ?? 'null') : attemptJson(a);
  }
  return text + ']';
}

function attemptJson(a: AttemptTrace): string {
  // the first member is written whatever it holds, so every later one can start with a comma
  return (
    '{"upstream":' +
    (value(a.upstream) ?? 'null') +
    member('provider', a.provider) +
    member('upstreamModel', a.upstreamModel) +
    member('keyName', a.keyName) +
    member('keyTier', a.keyTier) +
    member('outcome', a.outcome) +
    member('status', a.status) +
    member('errorClass', a.errorClass) +
    member('startedAt', a.startedAt) +
    member('latencyMs', a.latencyMs) +
    member('ttfbMs', a.ttfbMs) +
    member('nextBecause', a.nextBecause) +
    '}'
  );
}

/** An object of known flat members (app, tokens) as JSON; anything else as JSON.stringify writes it. */
function flatJson(o: unknown, members: readonly string[]): string {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) return value(o) ?? 'null';
  let text = '';
  for (const name of members) text += member(name, (o as Record<string, unknown>)[name]);
  return text === '' ? '{}' : '{' + text.slice(1) + '}';
}

/** `,"name":value`, or nothing when the value is left out of JSON (undefined). */
function member(name: string, v: unknown): string {
  const text = value(v);
  return text === undefined ? '' : ',"' + name + '":' + text;
}

/** Printable ASCII without `"` and `\`: such a string is its own JSON body. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A value as JSON, as JSON.stringify writes it; undefined where JSON.stringify would leave it out. */
function value(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return PLAIN.test(v) ? '"' + v + '"' : JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? '' + v : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return undefined;
    default:
      // app and tokens (small objects), null, and anything of a type the record should not hold
      return JSON.stringify(v);
  }
}
