/**
 * Property: whatever the provider key values and request bodies, and with body logging on or off,
 * no key value reaches the database file or its WAL: keys only ever appear by name.
 */
import fc from 'fast-check';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordQueue } from '../../src/runtime/observability/record-queue.js';
import { decodeRecords } from '../../src/runtime/observability/record-codec.js';
import type { RequestRecord } from '../../src/runtime/observability/request-record.js';
import { SqliteRequestStore } from '../../src/runtime/observability/sqlite-store.js';
import { attempt, record, tempDir } from './fixtures.js';

const KEY_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.'];
const PREFIXES = ['', 'sk-', 'sk-ant-api03-', 'sk-proj-', 'AIza', 'gsk_', 'xai-', 'nvapi-', 'hf_'];

const keyValue = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 16, maxLength: 64 }))
  .map(([prefix, rest]) => prefix + rest);

/** Text that may carry any of the keys: plain, JSON-quoted, in a header, split across a cut. */
const carrier = (keys: string[]) =>
  fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.constantFrom(...keys),
        fc.constantFrom(...keys).map((k) => `Authorization: Bearer ${k}`),
        fc.constantFrom(...keys).map((k) => JSON.stringify({ role: 'user', content: `my key is ${k}` })),
        fc.constantFrom(...keys).map((k) => `${k}${k}`),
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));

const scenario = fc
  .uniqueArray(keyValue, { minLength: 1, maxLength: 4 })
  .chain((keys) =>
    fc.record({
      keys: fc.constant(keys),
      bodies: fc.record({ enabled: fc.boolean(), redact: fc.boolean(), maxBytes: fc.integer({ min: 0, max: 4096 }) }),
      requests: fc.array(
        fc.record({
          request: carrier(keys),
          response: carrier(keys),
          title: fc.option(carrier(keys), { nil: undefined }),
          model: fc.oneof(fc.constant('gpt-5.4-mini'), carrier(keys)),
          upstreamError: fc.option(carrier(keys), { nil: undefined }),
          keyIndex: fc.nat(),
        }),
        { minLength: 1, maxLength: 6 },
      ),
    }),
  );

const keyName = (i: number) => `provider-key-name-${i}`;

function toRecord(keys: string[], r: { request: string; response: string; title?: string; model: string; upstreamError?: string; keyIndex: number }): RequestRecord {
  const used = r.keyIndex % keys.length;
  return record({
    app: { title: r.title, referer: r.title === undefined ? undefined : `https://x.example/?q=${r.title}` },
    requestedModel: r.model,
    status: r.upstreamError === undefined ? 200 : 502,
    errorClass: r.upstreamError,
    attempts: [
      attempt({ keyName: keyName(used), outcome: 'key-rejected', status: 401, errorClass: `http_401 ${r.upstreamError ?? ''}`, nextBecause: `key '${keyName(used)}' was rejected ${r.upstreamError ?? ''}` }),
      attempt({ keyName: keyName((used + 1) % keys.length) }),
    ],
    bodies: { request: r.request, response: r.response },
  });
}

function fileBytes(path: string): Buffer {
  return Buffer.concat([path, `${path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p)));
}

describe('provider keys never reach the database', () => {
  it('for random key values and bodies, with body logging on and off (property)', async () => {
    const { dir, cleanup } = tempDir();
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(scenario, async ({ keys, bodies, requests }) => {
          const path = join(dir, `secrets-${run++}.db`);
          const store = new SqliteRequestStore({ path, secrets: keys, bodies });
          const queue = new RecordQueue({ writer: { write: (b) => void store.insertBatch(decodeRecords(b.bytes)), close: () => store.close() }, batchSize: 4, flushIntervalMs: 0 });
          for (const r of requests) expect(queue.enqueue(toRecord(keys, r))).toBe(true);
          await queue.flush();
          const whileOpen = fileBytes(path); // the rows are in the WAL now
          await queue.close(); // the close checkpoints them into the main file
          const afterClose = fileBytes(path);
          for (const bytes of [whileOpen, afterClose]) {
            for (const key of keys) expect(bytes.includes(Buffer.from(key, 'utf8'))).toBe(false);
            // keys do appear, by name
            expect(bytes.includes(Buffer.from(keyName(requests[0]!.keyIndex % keys.length)))).toBe(true);
          }
          expect(queue.stats().written).toBe(requests.length);
        }),
        { numRuns: 40 },
      );
    } finally {
      cleanup();
    }
  });
});
