/**
 * A request record as JSON text, made once per request for the access log line and the request log's
 * queue.
 *
 * JSON.stringify, not a serializer written member by member: the hand-written one ran faster in a
 * micro-benchmark (1.9 vs 4.1 us) but left 3.1-3.6 KB of intermediate strings a record against
 * JSON.stringify's 1.3 KB, and in the gateway, where the extra young-generation collections count,
 * the two measured the same (`npm run bench -- --only logging`, within the run's noise).
 */
import type { RequestRecord } from './request-record.js';

/** A request record as JSON text (`recordJson`, or the whole record when its bodies are kept). */
export type RecordJson = string;

/**
 * The record as JSON, without its bodies (they are stored only when `logging.bodies` is on, and
 * never printed).
 */
export function recordJson(record: RequestRecord): RecordJson {
  return JSON.stringify(record.bodies === undefined ? record : { ...record, bodies: undefined });
}

/** A record back from its JSON (a queued record on its way into a store). */
export function parseRecordJson(json: RecordJson): RequestRecord {
  return JSON.parse(json) as RequestRecord;
}
