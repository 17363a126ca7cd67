/**
 * One structured JSON line per request on stdout: the request record (who, which model, every attempt
 * with its upstream, key name, status and reason, tokens, cost). Names and numbers only: no key value,
 * no prompt (bodies never go to stdout).
 *
 * It runs on the log worker thread with the SQLite store, which hands it each batch of records: the
 * lines are made there and written straight to the file descriptor, so neither their JSON nor the
 * write costs the event loop. A descriptor that cannot take more (a pipe nobody reads fast enough:
 * Node makes stdout pipes non-blocking) keeps what is left and tries again shortly; past a cap of
 * unwritten bytes, new lines are dropped and counted rather than held without bound. Writing never
 * throws.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { RequestRecord } from './request-record.js';

/** Where the lines go: a file descriptor (1, stdout, by default) or a file to append to. */
export type AccessLogTarget = number | string;

const LINE_HEAD = '{"level":30,"msg":"request",';

/** Unwritten bytes past which new lines are dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
/** How soon a descriptor that was full is tried again. */
const RETRY_MS = 20;
/** How long close waits for a slow reader to take what is still waiting (shutdown's last lines). */
const CLOSE_WAIT_MS = 1_000;
/** Something to sleep on between tries at close (Atomics.wait on a value that never changes). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/**
 * A record as its access log line (without the newline): pino's shape (level 30 is info, `time` in
 * epoch ms) around the record, without its bodies (kept only for the store, never printed).
 */
export function accessLine(record: RequestRecord): string {
  return LINE_HEAD + JSON.stringify(record.bodies === undefined ? record : { ...record, bodies: undefined }).slice(1);
}

interface Chunk {
  bytes: Buffer;
  lines: number;
}

export class AccessLogWriter {
  private readonly fd: number;
  private readonly ownsFd: boolean;
  /** Text not written yet, oldest first; `written` bytes of the first are out already. */
  private pending: Chunk[] = [];
  private pendingBytes = 0;
  private written = 0;
  private retry: NodeJS.Timeout | undefined;
  private droppedLines = 0;
  private closed = false;

  constructor(target: AccessLogTarget = 1) {
    this.ownsFd = typeof target === 'string';
    this.fd = typeof target === 'string' ? openSync(target, 'a') : target;
  }

  /** Lines dropped because the descriptor did not keep up or failed. */
  get dropped(): number {
    return this.droppedLines;
  }

  /** Writes a line per record now, in one write when the descriptor takes it all. */
  write(records: readonly RequestRecord[]): void {
    if (records.length === 0) return;
    if (this.closed) {
      this.droppedLines += records.length;
      return;
    }
    try {
      let text = '';
      for (const record of records) text += accessLine(record) + '\n';
      const bytes = Buffer.from(text, 'utf8');
      if (this.pendingBytes > 0 && this.pendingBytes + bytes.length > MAX_PENDING_BYTES) {
        this.droppedLines += records.length;
        return;
      }
      this.pending.push({ bytes, lines: records.length });
      this.pendingBytes += bytes.length;
      if (this.retry === undefined) this.drain();
    } catch {
      this.droppedLines += records.length; // a record that cannot be printed costs its batch's lines, never the caller
    }
  }

  /**
   * Writes what is waiting, giving a slow reader up to a second to take it (the last lines of a
   * shutdown), then drops and counts the rest. Later writes are dropped and counted.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const giveUpAt = Date.now() + CLOSE_WAIT_MS;
    for (;;) {
      if (this.retry !== undefined) clearTimeout(this.retry);
      this.retry = undefined;
      this.drain();
      if (this.pending.length === 0 || this.retry === undefined || Date.now() >= giveUpAt) break;
      Atomics.wait(SLEEPER, 0, 0, RETRY_MS);
    }
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.retry = undefined;
    this.dropPending();
    if (this.ownsFd) closeSync(this.fd);
  }

  private drain(): void {
    while (this.pending.length > 0) {
      const chunk = this.pending[0]!;
      try {
        this.written += writeSync(this.fd, chunk.bytes, this.written);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EAGAIN') {
          this.retry = setTimeout(() => {
            this.retry = undefined;
            this.drain();
          }, RETRY_MS);
          this.retry.unref();
        } else {
          this.dropPending(); // EPIPE (nobody reads stdout any more), ENOSPC, EBADF: what waits is lost
        }
        return;
      }
      if (this.written >= chunk.bytes.length) {
        this.pending.shift();
        this.pendingBytes -= chunk.bytes.length;
        this.written = 0;
      }
    }
  }

  private dropPending(): void {
    for (const chunk of this.pending) this.droppedLines += chunk.lines;
    this.pending = [];
    this.pendingBytes = 0;
    this.written = 0;
  }
}
