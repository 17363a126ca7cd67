/** OpenTelemetry export: with an OTLP endpoint configured, a span per request and a child span per attempt. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E } from './harness.js';

const e2e = useE2E();

interface OtlpSpan {
  name: string;
  spanId: string;
  parentSpanId?: string;
  attributes: Array<{ key: string; value: Record<string, unknown> }>;
}

async function otlpReceiver() {
  const spans: OtlpSpan[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const json = JSON.parse(body) as { resourceSpans: Array<{ scopeSpans: Array<{ spans: OtlpSpan[] }> }> };
    for (const rs of json.resourceSpans) for (const ss of rs.scopeSpans) spans.push(...ss.spans);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`, spans, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const attr = (span: OtlpSpan, key: string) => Object.values(span.attributes.find((a) => a.key === key)?.value ?? {})[0];

describe('e2e: OpenTelemetry', () => {
  it('exports a request span with one child span per attempt, in GenAI terms', async () => {
    const receiver = await otlpReceiver();
    try {
      const a = await e2e.mock();
      const b = await e2e.mock();
      a.script([{ status: 503 }]);
      const gw = await e2e.gateway({ providers: { a: provider('a', a), b: provider('b', b) }, models: [chatModel(['a', 'b'])], telemetry: { otlpEndpoint: receiver.url } });
      await gw.client().chat.completions.create({ model: MODEL, messages });
      await gw.gateway.close(200); // shutting down flushes the batch
      for (let i = 0; i < 50 && receiver.spans.length < 3; i++) await sleep(20);
      const root = receiver.spans.find((s) => s.parentSpanId === undefined || s.parentSpanId === '')!;
      const children = receiver.spans.filter((s) => s !== root);
      expect(root.name).toBe(`chat ${MODEL}`);
      expect(attr(root, 'gen_ai.request.model')).toBe(MODEL);
      expect(children.map((s) => [attr(s, 'gen_ai.system'), attr(s, 'http.response.status_code')])).toEqual([
        ['a', 503],
        ['b', 200],
      ]);
      expect(children.every((s) => s.parentSpanId === root.spanId)).toBe(true);
    } finally {
      await receiver.close();
    }
  });
});
