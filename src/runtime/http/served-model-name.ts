/**
 * The `model` field of an answer names the catalog model that served (as OpenRouter does), not the
 * upstream's own name for it. Applied to whole JSON bodies and to complete SSE events, as byte edits.
 */
import { ByteEdits, jsonStringEnd, skipJsonSpace } from './byte-edits.js';

const MODEL_KEY = Buffer.from('"model"');
const COLON = 0x3a;
const QUOTE = 0x22;

/** One member per catalog id, made on first use (the catalog is bounded; the cache is bounded anyway). */
const modelMembers = new Map<string, Buffer>();
const MODEL_MEMBERS_MAX = 10_000;

/** `"model":"<catalogId>"` as bytes, to put in place of the upstream's `model` member. */
export function modelMember(catalogId: string): Buffer {
  let member = modelMembers.get(catalogId);
  if (member === undefined) {
    if (modelMembers.size >= MODEL_MEMBERS_MAX) modelMembers.clear();
    member = Buffer.from(`"model":${JSON.stringify(catalogId)}`, 'utf8');
    modelMembers.set(catalogId, member);
  }
  return member;
}

/** Records the replacement of every `"model": "..."` member in `data` by `member` (see `modelMember`). */
export function renameModelFields(data: Buffer, member: Buffer, edits: ByteEdits): void {
  let from = 0;
  for (;;) {
    const at = data.indexOf(MODEL_KEY, from);
    if (at < 0) return;
    from = at + MODEL_KEY.length;
    let i = skipJsonSpace(data, from);
    if (data[i] !== COLON) continue;
    i = skipJsonSpace(data, i + 1);
    if (data[i] !== QUOTE) continue;
    const end = jsonStringEnd(data, i);
    if (end < 0) return;
    edits.replace(at, end + 1, member);
    from = end + 1;
  }
}

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Records the replacement of the `"model": "..."` members whose key sits at nesting `depth` (1: a member of
 * the top-level object; 2: of an object inside it). Text around JSON values (an SSE event's `data: ` lines)
 * holds no brackets or quotes, so complete events scan like a run of JSON texts. A `model` deeper down (a
 * tool's input) is left as it is. The scan stops at the last candidate, so an answer whose `model` comes
 * before its content costs a scan of its head.
 */
export function renameModelFieldsAt(data: Buffer, member: Buffer, edits: ByteEdits, depth: number): void {
  let level = 0;
  let i = 0;
  for (;;) {
    const at = data.indexOf(MODEL_KEY, i);
    if (at < 0) return;
    // the nesting at `at`: brackets between i and at, strings skipped whole
    while (i < at) {
      const b = data[i]!;
      if (b === QUOTE) {
        const end = jsonStringEnd(data, i);
        if (end < 0) return;
        i = end + 1;
        continue;
      }
      if (b === OPEN_BRACE || b === OPEN_BRACKET) level++;
      else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) level--;
      i++;
    }
    // a candidate inside a string (skipped past it) is no key
    if (i > at) continue;
    i = at + MODEL_KEY.length;
    if (level !== depth) continue;
    let j = skipJsonSpace(data, i);
    if (data[j] !== COLON) continue;
    j = skipJsonSpace(data, j + 1);
    if (data[j] !== QUOTE) continue;
    const end = jsonStringEnd(data, j);
    if (end < 0) return;
    edits.replace(at, end + 1, member);
    i = end + 1;
  }
}

/** A `\u` escape: the only way a key could spell `model` without the bytes `"model"`. */
const UNICODE_ESCAPE = Buffer.from('\\u');

/**
 * A request body whose top-level `model` is a string, to name `model` instead: the client's bytes with
 * that one member replaced. Undefined when the bytes cannot say which member the parser read: more
 * than one `"model": "..."` member (one nested, or a duplicate key), or any `\u` escape in the body
 * (a key written `"mod\u0065l"` is the top-level model but is not found by its bytes).
 */
export function withModelMember(raw: Buffer, model: string): Buffer | undefined {
  if (raw.includes(UNICODE_ESCAPE)) return undefined;
  const edits = new ByteEdits();
  renameModelFields(raw, modelMember(model), edits);
  return edits.size === 1 ? edits.apply(raw) : undefined;
}
