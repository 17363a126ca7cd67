import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ByteEdits } from '../../src/runtime/http/byte-edits.js';
import { modelMember, renameModelFields, renameModelFieldsAt, withModelMember } from '../../src/runtime/http/served-model-name.js';

/** The rename as a regular expression over the text: what the byte edits must match. */
const MODEL_FIELD = /"model"\s*:\s*"(?:[^"\\]|\\.)*"/g;
function renamedByRegex(data: Buffer, catalogId: string): Buffer {
  return Buffer.from(data.toString('utf8').replace(MODEL_FIELD, `"model":${JSON.stringify(catalogId)}`), 'utf8');
}

function renamed(data: Buffer, catalogId: string): Buffer {
  const edits = new ByteEdits();
  renameModelFields(data, modelMember(catalogId), edits);
  return edits.apply(data);
}

describe('ByteEdits', () => {
  it('applies non-overlapping edits given in any order, as splicing them one by one from the back would', () => {
    const edit = fc.record({ at: fc.nat(), cut: fc.nat({ max: 4 }), text: fc.string({ maxLength: 6 }) });
    // one list reused across runs, as the relay reuses its scratch list
    const edits = new ByteEdits();
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), fc.array(edit, { maxLength: 6 }), fc.func(fc.integer()), (text, wanted, order) => {
        const data = Buffer.from(text, 'latin1');
        // non-overlapping spans, in position order
        const spans: Array<{ start: number; end: number; bytes: Buffer }> = [];
        let from = 0;
        for (const e of wanted) {
          const start = from + (e.at % (data.length - from + 1));
          const end = Math.min(data.length, start + e.cut);
          if (start > data.length) break;
          spans.push({ start, end, bytes: Buffer.from(e.text, 'latin1') });
          from = end === start ? end + 1 : end;
          if (from > data.length) break;
        }
        edits.clear();
        for (const s of [...spans].sort((a, b) => order(a.start) - order(b.start))) edits.replace(s.start, s.end, s.bytes);
        let expected = data;
        for (const s of [...spans].reverse()) expected = Buffer.concat([expected.subarray(0, s.start), s.bytes, expected.subarray(s.end)]);
        expect(edits.apply(data).equals(expected)).toBe(true);
      }),
    );
  });

  it('returns the data itself when there is nothing to change', () => {
    const data = Buffer.from('{"model":"x"}');
    expect(new ByteEdits().apply(data)).toBe(data);
  });
});

describe('renameModelFields', () => {
  it("renames an OpenAI answer's model and leaves every other byte alone", () => {
    const body = Buffer.from('{"id":"chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT","object":"chat.completion","created":1741569952,"model": "gpt-4.1-2025-04-14","choices":[{"index":0,"message":{"role":"assistant","content":"the \\"model\\": \\"x\\" of it"}}]}');
    expect(renamed(body, 'openai/gpt-4.1').toString()).toBe(body.toString().replace('"model": "gpt-4.1-2025-04-14"', '"model":"openai/gpt-4.1"'));
  });

  it('renames every event of a batch of SSE chunks', () => {
    const events = Buffer.from('data: {"id":"a","model":"gpt-x","choices":[]}\n\ndata: {"id":"a","model" : "gpt-x","choices":[]}\n\ndata: [DONE]\n\n');
    expect(renamed(events, 'openai/x').toString()).toBe('data: {"id":"a","model":"openai/x","choices":[]}\n\ndata: {"id":"a","model":"openai/x","choices":[]}\n\ndata: [DONE]\n\n');
  });

  it('matches the regular expression it replaced, on any text', () => {
    const piece = fc.constantFrom('"model"', ':', ' ', '\n', '"', '\\', '\\"', 'x', '"gpt-4"', '{', '}', ',', 'é', '"model":"a\\"b"');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), fc.constantFrom('openai/gpt-4.1', 'a"b', 'ü/ä'), (pieces, id) => {
        const data = Buffer.from(pieces.join(''), 'utf8');
        expect(renamed(data, id).toString('utf8')).toBe(renamedByRegex(data, id).toString('utf8'));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('withModelMember', () => {
  it("puts the upstream's model name into the client's bytes and changes nothing else", () => {
    const raw = Buffer.from('{"model": "openai/gpt-4.1",\n "messages":[{"role":"user","content":"hi \\"model\\": \\"x\\""}], "stream":false}');
    expect(withModelMember(raw, 'gpt-4.1')?.toString()).toBe('{"model":"gpt-4.1",\n "messages":[{"role":"user","content":"hi \\"model\\": \\"x\\""}], "stream":false}');
  });

  it('gives up when a nested member is named model too (only a re-serialisation knows which is the top-level one)', () => {
    const raw = Buffer.from('{"messages":[{"role":"user","content":"hi","model":"nested"}],"model":"a"}');
    expect(withModelMember(raw, 'b')).toBeUndefined();
  });

  it('gives up when the top-level key is written with an escape (the parser reads it; the bytes do not show it)', () => {
    expect(withModelMember(Buffer.from('{"mod\\u0065l":"alias","metadata":{"model":"m"},"messages":[]}'), 'up/real')).toBeUndefined();
    expect(withModelMember(Buffer.from('{"model":"a","mod\\u0065l":"b"}'), 'up/real')).toBeUndefined();
    expect(withModelMember(Buffer.from('{"model":"a","model":"b"}'), 'up/real')).toBeUndefined();
  });

  it('equals the parsed body with `model` replaced, whenever it answers', () => {
    const text = fc.string({ maxLength: 8 });
    const json = fc.letrec((tie) => ({
      value: fc.oneof({ depthSize: 'small' }, text, fc.integer(), fc.boolean(), fc.array(tie('value'), { maxLength: 3 }), tie('object')),
      object: fc.dictionary(fc.oneof(text, fc.constant('model')), tie('value'), { maxKeys: 4 }),
    }));
    fc.assert(
      fc.property(json.object, fc.string({ maxLength: 12 }), fc.string({ maxLength: 12 }), fc.boolean(), fc.nat(), (rest, from, to, spaced, escaped) => {
        const body = { ...(rest as Record<string, unknown>), model: from };
        let text = JSON.stringify(body, null, spaced ? 1 : undefined);
        // sometimes one `model` key (top-level or nested) spelled with an escape, as a client may send it
        const keys = [...text.matchAll(/"model":/g)];
        if (keys.length > 0 && escaped % 3 === 0) {
          const at = keys[escaped % keys.length]!.index!;
          text = `${text.slice(0, at)}"mod\\u0065l":${text.slice(at + '"model":'.length)}`;
        }
        const raw = Buffer.from(text, 'utf8');
        const out = withModelMember(raw, to);
        if (out === undefined) return;
        expect(JSON.parse(out.toString('utf8'))).toEqual({ ...(JSON.parse(text) as object), model: to });
      }),
      { numRuns: 500 },
    );
  });
});

describe('renameModelFieldsAt', () => {
  /** The oracle: string `model` members of objects at nesting `depth` (1: the top-level object's) renamed. */
  function renameAt(value: unknown, id: string, depth: number, level = 1): unknown {
    if (Array.isArray(value)) return value.map((v) => renameAt(v, id, depth, level + 1));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = k === 'model' && level === depth && typeof v === 'string' ? id : renameAt(v, id, depth, level + 1);
    return out;
  }
  const withModels = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: 'small' }, fc.jsonValue({ maxDepth: 1 }), tie('object'), fc.array(tie('value'), { maxLength: 3 })),
    object: fc.dictionary(fc.constantFrom('model', 'input', 'message', 'text', 'mo"del'), tie('value'), { maxKeys: 4 }),
  })).object;

  it('renames only the members at the given depth, in JSON texts and in SSE events made of them', () => {
    fc.assert(
      fc.property(withModels, fc.integer({ min: 1, max: 3 }), fc.boolean(), fc.string({ maxLength: 12 }), (value, depth, pretty, id) => {
        const text = JSON.stringify(value, null, pretty ? 2 : undefined);
        const edits = new ByteEdits();
        renameModelFieldsAt(Buffer.from(text), modelMember(id), edits, depth);
        // through JSON text, as the bytes go (-0 is written 0)
        const expected = JSON.parse(JSON.stringify(renameAt(value, id, depth))) as unknown;
        expect(JSON.parse(edits.apply(Buffer.from(text)).toString())).toEqual(expected);
        // two events of a stream: each is scanned from depth 0 again
        const events = `event: e\ndata: ${JSON.stringify(value)}\n\nevent: e\ndata: ${JSON.stringify(value)}\n\n`;
        const streamEdits = new ByteEdits();
        renameModelFieldsAt(Buffer.from(events), modelMember(id), streamEdits, depth);
        const datas = streamEdits.apply(Buffer.from(events)).toString().split('\n\n').filter(Boolean).map((e) => JSON.parse(e.split('data: ')[1]!));
        expect(datas).toEqual([expected, expected]);
      }),
      { numRuns: 300 },
    );
  });
});
