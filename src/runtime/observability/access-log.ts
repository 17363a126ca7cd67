/**
 * One structured JSON line per request on stdout: the request record (who, which model, every attempt
 * with its upstream, key name, status and reason, tokens, cost). Names and numbers only: no key value,
 * no prompt (bodies never go to stdout). Lines are batched off the request path: a request only formats its line and appends it; a
 * timer writes what has gathered in one write. Past a cap of unwritten bytes (stdout blocked) lines
 * are dropped and counted rather than held without bound.
 */
import { recordJson, type RecordJson } from './record-json.js';
import type { RequestRecord } from './request-record.js';

const LINE_HEAD = '{"level":30,"msg":"request",';

/** How long a line may wait for company before it is written. */
const FLUSH_MS = 100;
/** Unwritten bytes past which new lines are dropped. */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;

export class AccessLog {
  private lines: string[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private droppedLines = 0;
  /** Bytes handed to a stream that has not drained since. */
  private blockedBytes = 0;
  private waitingForDrain = false;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  /** `json` is the record's `recordJson` when the caller made it already. */
  write(record: RequestRecord, json: RecordJson = recordJson(record)): void {
    if (this.pendingBytes + this.blockedBytes > MAX_PENDING_BYTES) {
      this.droppedLines++;
      return;
    }
    // pino's shape (level 30 is info, `time` is epoch ms) around the record's own JSON, serialized once per request
    const line = LINE_HEAD + json.slice(1);
    this.lines.push(line);
    this.pendingBytes += line.length + 1;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Lines dropped because stdout did not keep up. */
  get dropped(): number {
    return this.droppedLines;
  }

  /** Writes every gathered line now (also on close). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.lines.length === 0) return;
    // the empty last line gives the text its final newline without copying it again
    this.lines.push('');
    const text = this.lines.join('\n');
    this.lines = [];
    const bytes = this.pendingBytes;
    this.pendingBytes = 0;
    // what a stream that cannot take more holds counts against the cap until it drains
    const accepted = this.out.write(text);
    if (accepted && !this.waitingForDrain) return;
    this.blockedBytes += bytes;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.out.once('drain', () => {
        this.waitingForDrain = false;
        this.blockedBytes = 0;
      });
    }
  }
}
