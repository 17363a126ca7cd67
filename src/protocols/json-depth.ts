/**
 * The nesting limit for every JSON text the gateway parses (client bodies, upstream answers and stream
 * events, tool arguments). Code after JSON.parse (translation, token estimates, zod, JSON.stringify)
 * walks values recursively, so depth is checked on the text first, by an iterative scan.
 */

/** Arrays and objects nested deeper than this are refused. Real requests (tool schemas included) stay far below. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;

/**
 * `text` nests arrays and objects deeper than `maxDepth`. Brackets inside strings do not count. Not a
 * validator: malformed text is left for JSON.parse to refuse.
 */
export function jsonNestsDeeperThan(text: string, maxDepth = MAX_JSON_DEPTH): boolean {
  // depth never exceeds the number of `[` and `{`: most texts are done after two native scans
  if (countUpTo(text, '[', maxDepth + 1) + countUpTo(text, '{', maxDepth + 1) <= maxDepth) return false;
  let depth = 0;
  const end = text.length;
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // jump over the string: its content can be long and holds no structure
      let close = text.indexOf('"', i + 1);
      while (close >= 0 && escaped(text, close)) close = text.indexOf('"', close + 1);
      if (close < 0) return false;
      i = close;
    } else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > maxDepth) return true;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) {
      depth--;
    }
  }
  return false;
}

/** How many times `char` occurs in `text`, counting no further than `limit`. */
function countUpTo(text: string, char: string, limit: number): number {
  let n = 0;
  for (let at = text.indexOf(char); at >= 0 && n < limit; at = text.indexOf(char, at + 1)) n++;
  return n;
}

/** The quote at `at` is escaped: an odd run of backslashes precedes it. */
function escaped(text: string, at: number): boolean {
  let run = 0;
  while (at - run - 1 >= 0 && text.charCodeAt(at - run - 1) === BACKSLASH) run++;
  return run % 2 === 1;
}
