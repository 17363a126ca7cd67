/**
 * The MCP server driven by the official MCP client SDK over Streamable HTTP: the tools and their input
 * schemas, calls that reach the catalog, the planner and the request log, and refusals without a token or
 * with a wrong one.
 */
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayFixture } from './harness.js';

const e2e = useE2E();
const ADMIN_FULL = 'sk-ar-admin-full-000000000000000000000000000000';
const ADMIN_READ = 'sk-ar-admin-read-000000000000000000000000000000';
const GATEWAY_KEY = 'sk-ar-gateway-team-00000000000000000000000000';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function gateway(): Promise<GatewayFixture> {
  const upstream = await e2e.mock();
  return e2e.gateway({
    providers: { primary: provider('primary', upstream) },
    models: [chatModel(['primary'])],
    logging: { enabled: true },
    auth: {
      gatewayKeys: [{ name: 'team', sha256: sha256(GATEWAY_KEY), rpm: 100 }],
      adminKeys: [
        { name: 'ops', sha256: sha256(ADMIN_FULL), scope: 'full' },
        { name: 'viewer', sha256: sha256(ADMIN_READ), scope: 'read' },
      ],
    },
  } as Parameters<typeof e2e.gateway>[0]);
}

async function connect(gw: GatewayFixture, token: string | undefined, path = '/api/v1/mcp'): Promise<Client> {
  const client = new Client({ name: 'anyrouter-test', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(gw.url + path), token ? { requestInit: { headers: { authorization: `Bearer ${token}` } } } : {});
  await client.connect(transport);
  return client;
}

const textOf = (result: Awaited<ReturnType<Client['callTool']>>) => (result.content as Array<{ type: string; text: string }>)[0]!.text;

describe('e2e: the MCP server', () => {
  it('lists its tools with input schemas and answers them from the catalog, the planner and the request log', async () => {
    const gw = await gateway();
    await gw.client({ apiKey: GATEWAY_KEY }).chat.completions.create({ model: MODEL, messages });
    const client = await connect(gw, ADMIN_FULL);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name).sort();
    expect(names).toEqual(expect.arrayContaining(['explain_route', 'get_usage', 'list_keys', 'list_models', 'list_presets', 'list_requests']));
    const listModels = tools.find((t) => t.name === 'list_models')!;
    expect(Object.keys(listModels.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['provider', 'capability', 'min_context']));

    const models = JSON.parse(textOf(await client.callTool({ name: 'list_models', arguments: { provider: 'primary' } }))) as Array<{ id: string }>;
    expect(models.map((m) => m.id)).toEqual([MODEL]);
    expect(JSON.parse(textOf(await client.callTool({ name: 'list_models', arguments: { min_context: 10_000_000 } })))).toEqual([]);

    const plan = JSON.parse(textOf(await client.callTool({ name: 'explain_route', arguments: { model: MODEL } }))) as { plan: Array<{ upstream: string }> };
    expect(plan.plan.map((p) => p.upstream)).toEqual(['primary/primary-model']);
    const missing = await client.callTool({ name: 'explain_route', arguments: { model: 'no/such-model' } });
    expect(missing.isError).toBe(true);

    expect(JSON.parse(textOf(await client.callTool({ name: 'list_keys', arguments: {} })))).toEqual([{ name: 'team', models: ['*'], rpm: 100, source: 'config' }]);
    // the request log is written in batches: wait for the chat request to be in it
    let requests: Array<{ gatewayKey?: string }> = [];
    for (let i = 0; i < 50 && requests.length === 0; i++) {
      requests = JSON.parse(textOf(await client.callTool({ name: 'list_requests', arguments: { limit: 5 } }))) as typeof requests;
      if (requests.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(requests[0]?.gatewayKey).toBe('team');
    const usage = JSON.parse(textOf(await client.callTool({ name: 'get_usage', arguments: { group_by: 'key' } }))) as Array<{ group: string; requests: number }>;
    expect(usage.find((u) => u.group === 'team')?.requests).toBe(1);
    // input validation is the SDK's, with a clear message
    const invalid = await client.callTool({ name: 'list_requests', arguments: { limit: 0 } });
    expect(invalid.isError).toBe(true);
    await client.close();

    // the same server under /v1/mcp, with a read-scope key
    const viewer = await connect(gw, ADMIN_READ, '/v1/mcp');
    expect((await viewer.listTools()).tools.length).toBe(tools.length);
    await viewer.close();
  });

  it('refuses a call without a token, or with a key that is not an admin key', async () => {
    const gw = await gateway();
    await expect(connect(gw, undefined)).rejects.toThrow();
    await expect(connect(gw, GATEWAY_KEY)).rejects.toThrow();
    const raw = await fetch(`${gw.url}/api/v1/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    expect(raw.status).toBe(401);
    expect(((await raw.json()) as { error: { message: string } }).error.message).toContain('missing admin key');
    const get = await fetch(`${gw.url}/api/v1/mcp`);
    expect(get.status).toBe(405);
  });
});
