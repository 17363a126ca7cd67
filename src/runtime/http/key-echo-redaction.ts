/**
 * Provider keys that an upstream echoes back in an error ("Incorrect API key provided: sk-..."), in any of
 * the forms an upstream can echo them: literal, case-folded, base64 or base64url (also inside a larger
 * blob), or hidden behind JSON `\u` escapes (which a client's JSON.parse, or the gateway's own translation,
 * turns back into the key). Every key value the gateway holds is matched, not only the one an attempt
 * used. The patterns are built once per routing table; error bodies and in-band error events (small, and
 * never the success path) are checked against them before any byte reaches the client, the log or a trace.
 */
import { parseJson } from '../../protocols/json-reader.js';

export const REDACTED = '[redacted]';

/** Shorter values are not keys and would match ordinary text. */
const MIN_KEY_LENGTH = 8;
/** Levels of escaping looked through: `\u0053`, `\\u0053` (JSON in a JSON string), and two more. */
const MAX_ESCAPE_LEVELS = 4;
/** One JSON (or JavaScript `\x`) escape. */
const ESCAPE = /\\(?:u([0-9a-fA-F]{4})|x([0-9a-fA-F]{2})|(["\\/bfnrt]))/g;
const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export class KeyEchoRedactor {
  /** Every form of every key, longest first, case-insensitive: for replacing. */
  private readonly forms: RegExp | undefined;
  /** The same alternatives without the global flag: for testing (no lastIndex state). */
  private readonly finder: RegExp | undefined;

  constructor(keys: Iterable<string>) {
    const alternatives = new Set<string>();
    for (const key of keys) if (key.length >= MIN_KEY_LENGTH) for (const form of echoForms(key)) alternatives.add(form);
    if (alternatives.size === 0) return;
    const source = [...alternatives]
      .sort((a, b) => b.length - a.length)
      .map((form) => form.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))
      .join('|');
    this.forms = new RegExp(source, 'gi');
    this.finder = new RegExp(source, 'i');
  }

  /** `text`, or any text its escapes decode to, holds a key in some form. */
  reveals(text: string): boolean {
    const finder = this.finder;
    if (finder === undefined) return false;
    if (finder.test(text)) return true;
    let view = text;
    for (let level = 0; level < MAX_ESCAPE_LEVELS && view.includes('\\'); level++) {
      const decoded = unescapeText(view);
      if (decoded === view) return false;
      if (finder.test(decoded)) return true;
      view = decoded;
    }
    return false;
  }

  /** A decoded string (a message, a text body) with every echo replaced; an echo behind escapes is replaced in the decoded text. */
  redactText(text: string): string {
    const forms = this.forms;
    if (forms === undefined || !this.reveals(text)) return text;
    let out = text.replace(forms, REDACTED);
    let view = out;
    for (let level = 0; level < MAX_ESCAPE_LEVELS && view.includes('\\'); level++) {
      const decoded = unescapeText(view);
      if (decoded === view) break;
      if (this.finder!.test(decoded)) out = decoded.replace(forms, REDACTED);
      view = decoded.replace(forms, REDACTED);
    }
    return out;
  }

  /**
   * An upstream error body: the same bytes when it holds no echo. Otherwise JSON is parsed, every string
   * (member names too) redacted as decoded text, and re-serialised; any other text is redacted as text.
   */
  redactBody(body: Buffer): Buffer {
    if (this.finder === undefined || body.length === 0) return body;
    const text = body.toString('utf8');
    const redacted = this.redactBodyText(text);
    return redacted === text ? body : Buffer.from(redacted, 'utf8');
  }

  /** Complete SSE events: each `data:` payload redacted as a body, other lines as text. The same bytes when none holds an echo. */
  redactEvents(events: Buffer): Buffer {
    if (this.finder === undefined) return events;
    const text = events.toString('utf8');
    if (!this.reveals(text)) return events;
    const lines = text.split('\n');
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      const cr = line.endsWith('\r') ? '\r' : '';
      const content = cr ? line.slice(0, -1) : line;
      const data = /^data: ?/.exec(content);
      lines[i] = (data ? data[0] + this.redactBodyText(content.slice(data[0].length)) : this.redactText(content)) + cr;
    }
    return Buffer.from(lines.join('\n'), 'utf8');
  }

  private redactBodyText(text: string): string {
    if (!this.reveals(text)) return text;
    const json = parseJson(text);
    if (json === null || typeof json !== 'object') return this.redactText(text);
    redactStrings(json, (s) => this.redactText(s));
    const out = JSON.stringify(json);
    // a form the walk could not see (none is known): the serialised text itself, as text
    return this.reveals(out) ? this.redactText(out) : out;
  }
}

/**
 * The texts that stand for `key` wherever it is echoed: the key itself (matched case-insensitively, so
 * lowercased and uppercased echoes too) and its base64 and base64url encodings, of the key and of its
 * lowercased and uppercased forms, at each of the three byte alignments a key can have inside a larger
 * blob: the characters that only the key's own bytes determine.
 */
export function echoForms(key: string): string[] {
  const forms = new Set<string>([key]);
  for (const variant of new Set([key, key.toLowerCase(), key.toUpperCase()])) {
    const bytes = Buffer.from(variant, 'utf8');
    for (let offset = 0; offset < 3; offset++) {
      const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
      const inner = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
      forms.add(inner);
      forms.add(inner.replace(/\+/g, '-').replace(/\//g, '_'));
    }
  }
  return [...forms];
}

/** Decodes one level of JSON (and `\x`) escapes, as JSON.parse would inside a string. */
function unescapeText(text: string): string {
  return text.replace(ESCAPE, (_match, unicode: string | undefined, hex: string | undefined, simple: string | undefined) => {
    if (unicode !== undefined) return String.fromCharCode(parseInt(unicode, 16));
    if (hex !== undefined) return String.fromCharCode(parseInt(hex, 16));
    return SIMPLE_ESCAPES[simple!]!;
  });
}

/** Replaces every string in a parsed JSON value (values and member names) by `redact(string)`, iteratively. */
function redactStrings(root: object, redact: (text: string) => string): void {
  const stack: object[] = [root];
  while (stack.length > 0) {
    const container = stack.pop()! as Record<string, unknown>;
    for (const name of Object.keys(container)) {
      const value = container[name];
      const redactedValue = typeof value === 'string' ? redact(value) : value;
      if (value !== null && typeof value === 'object') stack.push(value);
      const redactedName = Array.isArray(container) ? name : redact(name);
      if (redactedName !== name) delete container[name];
      // defined, not assigned: a member named __proto__ stays a member
      if (redactedName !== name || redactedValue !== value) Object.defineProperty(container, redactedName, { value: redactedValue, enumerable: true, writable: true, configurable: true });
    }
  }
}
