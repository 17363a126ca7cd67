/**
 * Replacements of byte ranges in one buffer, applied in a single copy: how an answer relayed untouched
 * gets the served model's name and OpenRouter's `cost` without being decoded to a string and back.
 */
export class ByteEdits {
  // parallel arrays that only grow: clearing keeps their storage, so a reused list allocates nothing
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly inserts: Buffer[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  clear(): void {
    this.inserts.fill(EMPTY, 0, this.count); // lets go of the last answer's buffers
    this.count = 0;
  }

  /** Replaces `[start, end)` of the data by `bytes` (`start === end` inserts). Edits may come in any order; they must not overlap. */
  replace(start: number, end: number, bytes: Buffer): void {
    const { starts, ends, inserts } = this;
    let i = this.count++;
    // kept in order of position: edits mostly arrive in order, so this rarely moves anything
    while (i > 0 && starts[i - 1]! > start) {
      starts[i] = starts[i - 1]!;
      ends[i] = ends[i - 1]!;
      inserts[i] = inserts[i - 1]!;
      i--;
    }
    starts[i] = start;
    ends[i] = end;
    inserts[i] = bytes;
  }

  /** The data with every edit made: `data` itself when there is none, else one new buffer. */
  apply(data: Buffer): Buffer {
    const { starts, ends, inserts } = this;
    const n = this.count;
    if (n === 0) return data;
    let size = data.length;
    for (let i = 0; i < n; i++) size += inserts[i]!.length - (ends[i]! - starts[i]!);
    const out = Buffer.allocUnsafe(size);
    let at = 0;
    let from = 0;
    for (let i = 0; i < n; i++) {
      at += data.copy(out, at, from, starts[i]);
      at += inserts[i]!.copy(out, at);
      from = ends[i]!;
    }
    data.copy(out, at, from);
    return out;
  }
}

const EMPTY = Buffer.alloc(0);

/** JSON's insignificant whitespace. */
export function skipJsonSpace(data: Buffer, i: number): number {
  for (;;) {
    const b = data[i];
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return i;
    i++;
  }
}

/** Index of the quote closing the JSON string whose opening quote is at `open`, or -1 when it does not close in `data`. */
export function jsonStringEnd(data: Buffer, open: number): number {
  for (let j = open + 1; j < data.length; j++) {
    const b = data[j];
    if (b === 0x5c) j++;
    else if (b === 0x22) return j;
  }
  return -1;
}
