/**
 * Request records in a compact binary form, for the trip from the event loop to the log worker.
 *
 * The event loop writes each finished request's record into a growing buffer: numbers as float64,
 * strings as UTF-8 behind a length, optional members behind a bit of a flags word. No JSON and no
 * intermediate string is made per request; a batch crosses to the worker as one transferred
 * ArrayBuffer (no copy), and the worker decodes it back into records for SQLite and the access log.
 * JSON.stringify here, its copy into postMessage and the access log's write cost the event loop
 * about three times what writing the record into the buffer does.
 *
 * Layout of one record (little-endian): u16 flags, u16 attempt count, f64 time, f64 status,
 * f64 latencyMs, then the optional numbers its flags announce, then its strings, then each attempt
 * (u8 flags, f64 startedAt, f64 latencyMs, optional numbers, strings), then the bodies.
 */
import type { AttemptTrace, RequestBodies, RequestRecord } from './request-record.js';

/** Records written by one encoder: what a writer gets for one batch. */
export interface EncodedRecords {
  /** The records, back to back; its ArrayBuffer is the batch's own (it may be transferred). */
  readonly bytes: Uint8Array;
  readonly count: number;
}

// record flags
const GATEWAY_KEY = 1 << 0;
const APP_TITLE = 1 << 1;
const APP_SOURCE = 1 << 2;
const APP_VERSION = 1 << 3;
const APP_REFERER = 1 << 4;
const PRESET = 1 << 5;
const SERVED_MODEL = 1 << 6;
const ERROR_CLASS = 1 << 7;
const TTFB = 1 << 8;
const TOKENS = 1 << 9;
const COST = 1 << 10;
const STREAM = 1 << 11;
const BODIES = 1 << 12;
const BODY_REQUEST = 1 << 13;
const BODY_RESPONSE = 1 << 14;
const USER = 1 << 15;
// attempt flags
const A_STATUS = 1 << 0;
const A_ERROR_CLASS = 1 << 1;
const A_TTFB = 1 << 2;
const A_NEXT_BECAUSE = 1 << 3;
const A_EJECTED = 1 << 4;
const A_PANIC = 1 << 5;

/** Strings up to this length are tried as ASCII in a loop here before UTF-8 encoding is called. */
const ASCII_LOOP_MAX = 96;
const INITIAL_BYTES = 16 * 1024;

/** Writes records one after another into a buffer of its own that grows as needed. */
export class RecordEncoder {
  private buffer: ArrayBuffer;
  private bytes: Uint8Array;
  private view: DataView;
  /** A Buffer over the same memory, for its UTF-8 writer. */
  private text: Buffer;
  private pos = 0;
  private records = 0;

  constructor(initialBytes = INITIAL_BYTES) {
    this.buffer = new ArrayBuffer(Math.max(64, initialBytes));
    this.bytes = new Uint8Array(this.buffer);
    this.view = new DataView(this.buffer);
    this.text = Buffer.from(this.buffer);
  }

  get count(): number {
    return this.records;
  }

  get byteLength(): number {
    return this.pos;
  }

  /**
   * Appends a record, with its bodies only when `withBodies`. A record that cannot be written (a
   * member of the wrong type) throws and leaves the buffer as it was.
   */
  add(record: RequestRecord, withBodies = true): void {
    const start = this.pos;
    try {
      this.write(record, withBodies);
      this.records++;
    } catch (error) {
      this.pos = start;
      throw error;
    }
  }

  /** What was written so far, for one writer call; the encoder must not be used afterwards. */
  finish(): EncodedRecords {
    return { bytes: new Uint8Array(this.buffer, 0, this.pos), count: this.records };
  }

  private write(r: RequestRecord, withBodies: boolean): void {
    const { app, attempts } = r;
    const bodies = withBodies ? r.bodies : undefined;
    let flags = 0;
    if (r.gatewayKey !== undefined) flags |= GATEWAY_KEY;
    if (app.title !== undefined) flags |= APP_TITLE;
    if (app.source !== undefined) flags |= APP_SOURCE;
    if (app.version !== undefined) flags |= APP_VERSION;
    if (app.referer !== undefined) flags |= APP_REFERER;
    if (r.preset !== undefined) flags |= PRESET;
    if (r.user !== undefined) flags |= USER;
    if (r.servedModel !== undefined) flags |= SERVED_MODEL;
    if (r.errorClass !== undefined) flags |= ERROR_CLASS;
    if (r.ttfbMs !== undefined) flags |= TTFB;
    if (r.tokens !== undefined) flags |= TOKENS;
    if (r.costUsd !== undefined) flags |= COST;
    if (r.stream) flags |= STREAM;
    if (bodies !== undefined) {
      flags |= BODIES;
      if (bodies.request !== undefined) flags |= BODY_REQUEST;
      if (bodies.response !== undefined) flags |= BODY_RESPONSE;
    }
    if (attempts.length > 0xffff) throw new RangeError('too many attempts');
    this.room(4 + 9 * 8); // flags, count and at most nine numbers
    this.view.setUint16(this.pos, flags, true);
    this.view.setUint16(this.pos + 2, attempts.length, true);
    this.pos += 4;
    this.number(r.time);
    this.number(r.status);
    this.number(r.latencyMs);
    if (flags & TTFB) this.number(r.ttfbMs!);
    if (flags & TOKENS) {
      const t = r.tokens!;
      this.number(t.prompt);
      this.number(t.completion);
      this.number(t.cached);
      this.number(t.reasoning);
    }
    if (flags & COST) this.number(r.costUsd!);
    this.string(r.id);
    if (flags & GATEWAY_KEY) this.string(r.gatewayKey!);
    if (flags & APP_TITLE) this.string(app.title!);
    if (flags & APP_SOURCE) this.string(app.source!);
    if (flags & APP_VERSION) this.string(app.version!);
    if (flags & APP_REFERER) this.string(app.referer!);
    if (flags & USER) this.string(r.user!);
    this.string(r.protocol);
    this.string(r.requestedModel);
    if (flags & PRESET) this.string(r.preset!);
    if (flags & SERVED_MODEL) this.string(r.servedModel!);
    if (flags & ERROR_CLASS) this.string(r.errorClass!);
    for (let i = 0; i < attempts.length; i++) this.attempt(attempts[i]!);
    if (flags & BODY_REQUEST) this.string(bodies!.request!);
    if (flags & BODY_RESPONSE) this.string(bodies!.response!);
  }

  private attempt(a: AttemptTrace): void {
    let flags = 0;
    if (a.status !== undefined) flags |= A_STATUS;
    if (a.errorClass !== undefined) flags |= A_ERROR_CLASS;
    if (a.ttfbMs !== undefined) flags |= A_TTFB;
    if (a.nextBecause !== undefined) flags |= A_NEXT_BECAUSE;
    if (a.routing === 'ejected') flags |= A_EJECTED;
    else if (a.routing === 'panic') flags |= A_PANIC;
    this.room(1 + 4 * 8);
    this.bytes[this.pos++] = flags;
    this.number(a.startedAt);
    this.number(a.latencyMs);
    if (flags & A_STATUS) this.number(a.status!);
    if (flags & A_TTFB) this.number(a.ttfbMs!);
    this.string(a.upstream);
    this.string(a.provider);
    this.string(a.upstreamModel);
    this.string(a.keyName);
    this.string(a.keyTier);
    this.string(a.outcome);
    if (flags & A_ERROR_CLASS) this.string(a.errorClass!);
    if (flags & A_NEXT_BECAUSE) this.string(a.nextBecause!);
  }

  /** The caller made room for it (`room`). */
  private number(value: number): void {
    if (typeof value !== 'number') throw new TypeError('not a number');
    this.view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  private string(value: string): void {
    if (typeof value !== 'string') throw new TypeError('not a string');
    const n = value.length;
    this.room(4 + 3 * n); // UTF-8 takes at most 3 bytes per UTF-16 unit
    const at = this.pos + 4;
    let length = -1;
    if (n <= ASCII_LOOP_MAX) {
      // names, models and ids are short ASCII: a loop here is cheaper than a call into the encoder
      const bytes = this.bytes;
      let i = 0;
      for (; i < n; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at + i] = c;
      }
      if (i === n) length = n;
    }
    if (length < 0) length = this.text.write(value, at, 'utf8');
    this.view.setUint32(this.pos, length, true);
    this.pos = at + length;
  }

  private room(n: number): void {
    if (this.pos + n <= this.buffer.byteLength) return;
    const grown = new ArrayBuffer(Math.max(this.buffer.byteLength * 2, this.pos + n));
    new Uint8Array(grown).set(this.bytes.subarray(0, this.pos));
    this.buffer = grown;
    this.bytes = new Uint8Array(grown);
    this.view = new DataView(grown);
    this.text = Buffer.from(grown);
  }
}

/** The records an encoder wrote, back as objects (members in the order the gateway makes them). */
export function decodeRecords(bytes: Uint8Array): RequestRecord[] {
  return new RecordDecoder(bytes).all();
}

class RecordDecoder {
  private readonly view: DataView;
  private readonly text: Buffer;
  private pos = 0;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  all(): RequestRecord[] {
    const records: RequestRecord[] = [];
    while (this.pos < this.bytes.byteLength) records.push(this.record());
    return records;
  }

  private record(): RequestRecord {
    const flags = this.view.getUint16(this.pos, true);
    const attemptCount = this.view.getUint16(this.pos + 2, true);
    this.pos += 4;
    const time = this.number();
    const status = this.number();
    const latencyMs = this.number();
    const ttfbMs = flags & TTFB ? this.number() : undefined;
    const tokens = flags & TOKENS ? { prompt: this.number(), completion: this.number(), cached: this.number(), reasoning: this.number() } : undefined;
    const costUsd = flags & COST ? this.number() : undefined;
    const id = this.string();
    const gatewayKey = flags & GATEWAY_KEY ? this.string() : undefined;
    const app: RequestRecord['app'] = {};
    if (flags & APP_TITLE) app.title = this.string();
    if (flags & APP_SOURCE) app.source = this.string();
    if (flags & APP_VERSION) app.version = this.string();
    if (flags & APP_REFERER) app.referer = this.string();
    const user = flags & USER ? this.string() : undefined;
    const protocol = this.string() as RequestRecord['protocol'];
    const requestedModel = this.string();
    const preset = flags & PRESET ? this.string() : undefined;
    const servedModel = flags & SERVED_MODEL ? this.string() : undefined;
    const errorClass = flags & ERROR_CLASS ? this.string() : undefined;
    const attempts: AttemptTrace[] = [];
    for (let i = 0; i < attemptCount; i++) attempts.push(this.attempt());

    const record: RequestRecord = { id, time } as RequestRecord;
    if (gatewayKey !== undefined) record.gatewayKey = gatewayKey;
    record.app = app;
    if (user !== undefined) record.user = user;
    record.protocol = protocol;
    record.requestedModel = requestedModel;
    if (preset !== undefined) record.preset = preset;
    if (servedModel !== undefined) record.servedModel = servedModel;
    record.stream = (flags & STREAM) !== 0;
    record.status = status;
    if (errorClass !== undefined) record.errorClass = errorClass;
    record.latencyMs = latencyMs;
    if (ttfbMs !== undefined) record.ttfbMs = ttfbMs;
    if (tokens !== undefined) record.tokens = tokens;
    if (costUsd !== undefined) record.costUsd = costUsd;
    record.attempts = attempts;
    if (flags & BODIES) {
      const bodies: RequestBodies = {};
      if (flags & BODY_REQUEST) bodies.request = this.string();
      if (flags & BODY_RESPONSE) bodies.response = this.string();
      record.bodies = bodies;
    }
    return record;
  }

  private attempt(): AttemptTrace {
    const flags = this.bytes[this.pos++]!;
    const startedAt = this.number();
    const latencyMs = this.number();
    const status = flags & A_STATUS ? this.number() : undefined;
    const ttfbMs = flags & A_TTFB ? this.number() : undefined;
    const trace: AttemptTrace = {
      upstream: this.string(),
      provider: this.string(),
      upstreamModel: this.string(),
      keyName: this.string(),
      keyTier: this.string() as AttemptTrace['keyTier'],
      outcome: this.string() as AttemptTrace['outcome'],
      startedAt,
      latencyMs,
    };
    if (status !== undefined) trace.status = status;
    if (flags & A_ERROR_CLASS) trace.errorClass = this.string();
    if (ttfbMs !== undefined) trace.ttfbMs = ttfbMs;
    if (flags & A_EJECTED) trace.routing = 'ejected';
    else if (flags & A_PANIC) trace.routing = 'panic';
    if (flags & A_NEXT_BECAUSE) trace.nextBecause = this.string();
    return trace;
  }

  private number(): number {
    const value = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  private string(): string {
    const length = this.view.getUint32(this.pos, true);
    const start = this.pos + 4;
    this.pos = start + length;
    if (this.pos > this.bytes.byteLength) throw new RangeError('truncated record');
    return this.text.toString('utf8', start, this.pos);
  }
}
