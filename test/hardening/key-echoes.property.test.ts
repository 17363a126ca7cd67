/**
 * Property: whatever the provider key values, and whichever of them an upstream echoes in its error (the
 * key it was sent or another provider's), in whatever form (literal, JSON `\u`-escaped, base64, base64url,
 * lowercased, uppercased) and wherever in the body (a JSON envelope, nested JSON, JSON inside a JSON string,
 * plain text, an in-band stream error event), the bytes the client gets never contain the key nor decode
 * to it: not as they are, not through JSON.parse of the body or of any string in it, not through `\u`
 * escapes, and not by base64-decoding any run that looks like base64. Real HTTP: mock upstreams, the real
 * gateway, on the native path (Chat Completions to an OpenAI upstream, Messages to an Anthropic one) and
 * the translated paths (Messages to OpenAI, Chat Completions to Anthropic), and count_tokens.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { startGateway } from '../../src/runtime/server.js';
import { KeyEchoRedactor } from '../../src/runtime/http/key-echo-redaction.js';
import { chatModel, envName, provider } from '../e2e/harness.js';
import { anthropicProvider, useProtocolE2E } from '../e2e/protocols-harness.js';

const e2e = useProtocolE2E();

const KEY_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'];
const PREFIXES = ['', 'sk-', 'sk-ant-api03-', 'sk-proj-', 'AIza', 'gsk_', 'xai-'];
const keyValue = fc
  .tuple(fc.constantFrom(...PREFIXES), fc.string({ unit: fc.constantFrom(...KEY_CHARS), minLength: 16, maxLength: 48 }))
  .map(([prefix, rest]) => prefix + rest);

type Encoding = 'literal' | 'unicode' | 'unicode-partial' | 'base64' | 'base64url' | 'lower' | 'upper';
const ENCODINGS: Encoding[] = ['literal', 'unicode', 'unicode-partial', 'base64', 'base64url', 'lower', 'upper'];

/** The echo as it sits inside a JSON string literal (or plain text): `\u` escapes are JSON escapes. */
function encode(key: string, encoding: Encoding, pad: string): string {
  const escape = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');
  switch (encoding) {
    case 'literal':
      return key;
    case 'unicode':
      return [...key].map(escape).join('');
    case 'unicode-partial':
      return [...key].map((c, i) => (i % 2 === 0 ? escape(c).toUpperCase().replace('\\U', '\\u') : c)).join('');
    case 'base64':
      return Buffer.from(pad + key + pad, 'utf8').toString('base64');
    case 'base64url':
      return Buffer.from(pad + key, 'utf8').toString('base64url');
    case 'lower':
      return key.toLowerCase();
    case 'upper':
      return key.toUpperCase();
  }
}

type Shape = 'openai' | 'anthropic' | 'nested' | 'json-in-string' | 'member-name' | 'text';
const SHAPES: Shape[] = ['openai', 'anthropic', 'nested', 'json-in-string', 'member-name', 'text'];

/** An upstream error body (raw text) carrying the echo `e`. */
function errorBody(shape: Shape, e: string, words: string): string {
  const w = JSON.stringify(words).slice(1, -1);
  switch (shape) {
    case 'openai':
      return `{"error":{"message":"Incorrect API key provided: ${e}. ${w}","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`;
    case 'anthropic':
      return `{"type":"error","error":{"type":"invalid_request_error","message":"${w} key=${e}"}}`;
    case 'nested':
      return `{"error":{"message":"${w}","details":[{"a":{"b":[1,"x ${e} y",{"c":"${w}"}]}}]}}`;
    case 'json-in-string':
      // the inner JSON's own escapes are escaped once more
      return `{"error":{"message":${JSON.stringify(JSON.stringify({ detail: 'PLACEHOLDER', words }))}}}`.replace('PLACEHOLDER', e.replaceAll('\\', '\\\\\\\\'));
    case 'member-name':
      return `{"error":{"message":"${w}","${e}":true}}`;
    case 'text':
      return `upstream failure: ${words.replace(/[\r\n]/g, ' ')} (key ${e})`;
  }
}

/** Everything the client could decode out of `text`: itself, its JSON strings (recursively), their `\u` decodings. */
function decodings(text: string): string[] {
  const out: string[] = [];
  const pending = [text];
  while (pending.length > 0 && out.length < 10_000) {
    const s = pending.pop()!;
    out.push(s);
    for (const candidate of [s, ...s.split('\n').map((line) => line.replace(/^data: ?/, ''))]) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(candidate);
      } catch {
        continue;
      }
      const stack = [parsed];
      while (stack.length > 0) {
        const v = stack.pop();
        if (typeof v === 'string') {
          if (v !== s) pending.push(v);
        } else if (v !== null && typeof v === 'object') {
          for (const [name, child] of Object.entries(v)) {
            pending.push(name);
            stack.push(child);
          }
        }
      }
    }
    const unescaped = s.replace(/\\u([0-9a-fA-F]{4})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    if (unescaped !== s) pending.push(unescaped);
  }
  return out;
}

/** `text` holds `key` in any decoding: literally (any case) or in a base64 / base64url run at any alignment. */
function leaks(text: string, key: string): boolean {
  const lowerKey = key.toLowerCase();
  for (const s of decodings(text)) {
    if (s.toLowerCase().includes(lowerKey)) return true;
    for (const run of s.match(/[A-Za-z0-9+/_-]{12,}/g) ?? []) {
      for (let skip = 0; skip < 4; skip++) {
        const chunk = run.slice(skip).replace(/[-_]/g, (c) => (c === '-' ? '+' : '/'));
        if (Buffer.from(chunk, 'base64').toString('latin1').toLowerCase().includes(lowerKey)) return true;
      }
    }
  }
  return false;
}

type Path = 'chat->openai' | 'messages->openai' | 'chat->anthropic' | 'messages->anthropic' | 'count_tokens->anthropic';
const PATHS: Path[] = ['chat->openai', 'messages->openai', 'chat->anthropic', 'messages->anthropic', 'count_tokens->anthropic'];
const CLIENT_PATHS = { chat: '/v1/chat/completions', messages: '/v1/messages', count_tokens: '/v1/messages/count_tokens' } as const;

/** An upstream stream that starts well, then ends with an in-band error event carrying `body`. */
function errorStream(upstream: 'openai' | 'anthropic', body: string): string[] {
  if (upstream === 'openai') {
    return [`data: {"id":"c1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}\n\n`, `data: ${body}\n\n`];
  }
  return [
    `event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"m","content":[],"stop_reason":null,"usage":{"input_tokens":1,"output_tokens":0}}}\n\n`,
    `event: error\ndata: ${body}\n\n`,
  ];
}

describe('property: an echoed provider key never reaches the client', () => {
  it('the redactor finds every form of every key it holds, and leaves bodies without one byte for byte', () => {
    fc.assert(
      fc.property(fc.uniqueArray(keyValue, { minLength: 1, maxLength: 4 }), fc.nat(), fc.constantFrom(...ENCODINGS), fc.constantFrom(...SHAPES), fc.string({ maxLength: 6 }), fc.string({ maxLength: 30 }), (keys, pick, encoding, shape, pad, words) => {
        const key = keys[pick % keys.length]!;
        const redactor = new KeyEchoRedactor(keys);
        const body = Buffer.from(errorBody(shape, encode(key, encoding, pad), words));
        // the check sees the echo in the upstream's own body ...
        expect(leaks(body.toString('utf8'), key)).toBe(true);
        // ... and not in the redacted one
        expect(leaks(redactor.redactBody(body).toString('utf8'), key)).toBe(false);
        const clean = Buffer.from(errorBody(shape, 'nothing-secret-here', words));
        expect(redactor.redactBody(clean)).toBe(clean);
      }),
      { numRuns: 400 },
    );
  });

  it('over real HTTP: error answers and in-band stream errors, native and translated', async () => {
    const openai = await e2e.mock();
    const claude = await e2e.anthropicMock();
    const compiled = await e2e.gateway({
      providers: {
        openai: provider('openai', openai),
        claude: anthropicProvider('claude', claude),
        // a provider no request uses: its key is still never shown
        spare: provider('spare', 'http://127.0.0.1:9/v1'),
      },
      models: [chatModel(['openai']), chatModel(['claude'], 'test/claude', [])],
      routing: { maxAttempts: 2 },
    });
    const bundle = compiled.gateway.state.table.bundle;
    let requests = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(keyValue, { minLength: 3, maxLength: 3 }),
        fc.nat(2),
        fc.constantFrom(...ENCODINGS),
        fc.constantFrom(...SHAPES),
        fc.constantFrom(...PATHS),
        fc.constantFrom(400, 404, 422, 401, 500, 'stream' as const),
        fc.string({ maxLength: 6 }),
        fc.string({ maxLength: 30 }),
        async (keys, pick, encoding, shape, path, anyStatus, pad, words) => {
          const env = { [envName('openai', 'main')]: keys[0]!, [envName('claude', 'main')]: keys[1]!, [envName('spare', 'main')]: keys[2]! };
          const key = keys[pick]!;
          const [client, upstream] = path.split('->') as [keyof typeof CLIENT_PATHS, 'openai' | 'anthropic'];
          // count_tokens does not stream: the upstream's 400 instead
          const status = client === 'count_tokens' && anyStatus === 'stream' ? 400 : anyStatus;
          const body = errorBody(status === 'stream' && shape === 'text' ? 'openai' : shape, encode(key, encoding, pad), words);
          const behaviour = status === 'stream' ? { sse: errorStream(upstream, body) } : { status, body };
          openai.setDefault(behaviour);
          claude.setDefault(behaviour);
          const gw = await startGateway({ bundle, port: 0, env, log: () => undefined });
          try {
            const model = upstream === 'openai' ? 'test/chat' : 'test/claude';
            const response = await fetch(gw.url + CLIENT_PATHS[client], {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
              body: JSON.stringify({ model, max_tokens: 16, stream: status === 'stream', messages: [{ role: 'user', content: 'hi' }] }),
            });
            const visible = `${response.status}\n${[...response.headers.entries()].map(([n, v]) => `${n}: ${v}`).join('\n')}\n\n${await response.text()}`;
            requests++;
            for (const k of keys) expect(leaks(visible, k), `${path} ${status} ${shape} ${encoding}:\n${visible}`).toBe(false);
          } finally {
            await gw.close(50);
          }
        },
      ),
      { numRuns: 80 },
    );
    expect(requests).toBe(80);
    // the upstreams really were asked, with the keys
    expect(openai.requests.length).toBeGreaterThan(0);
    expect(claude.requests.length).toBeGreaterThan(0);
  });
});
