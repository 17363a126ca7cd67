/**
 * Gateway keys managed at run time over the admin API and the MCP server: created keys work at once,
 * revoked ones fail at once, scopes are checked, config keys are read-only, and a key's plaintext is
 * answered once and never stored.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MODEL, chatModel, messages, provider, useE2E, type GatewayFixture } from './harness.js';

const e2e = useE2E();
const execFileAsync = promisify(execFile);
const BIN = fileURLToPath(new URL('../../bin/anyrouter.js', import.meta.url));
const FULL = 'sk-ar-admin-full-rk-0000000000000000000000000000';
const STANDARD = 'sk-ar-admin-std-rk-00000000000000000000000000000';
const READ = 'sk-ar-admin-read-rk-0000000000000000000000000000';
const CONFIG_KEY = 'sk-ar-config-team-rk-00000000000000000000000000';
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

async function gateway(): Promise<{ gw: GatewayFixture; dbDir: string }> {
  const upstream = await e2e.mock();
  const gw = await e2e.gateway({
    providers: { primary: provider('primary', upstream) },
    models: [chatModel(['primary'])],
    logging: { enabled: true },
    auth: {
      gatewayKeys: [{ name: 'team', sha256: sha256(CONFIG_KEY) }],
      adminKeys: [
        { name: 'ops', sha256: sha256(FULL), scope: 'full' },
        { name: 'lead', sha256: sha256(STANDARD), scope: 'standard' },
        { name: 'viewer', sha256: sha256(READ), scope: 'read' },
      ],
    },
  } as Parameters<typeof e2e.gateway>[0]);
  return { gw, dbDir: path.dirname(gw.gateway.state.table.bundle.observability.logging.path) };
}

const api = (gw: GatewayFixture, method: string, route: string, admin: string, body?: unknown) =>
  fetch(`${gw.url}${route}`, { method, headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
const chatWith = async (gw: GatewayFixture, key: string) => {
  const res = await gw.postChat({ model: MODEL, messages }, { headers: { authorization: `Bearer ${key}` } });
  await res.arrayBuffer();
  return res.status;
};

describe('e2e: gateway keys at run time', () => {
  it('POST creates a key that works at once, GET lists both sources, DELETE revokes at once; scopes hold; the plaintext is stored nowhere', async () => {
    const { gw, dbDir } = await gateway();
    const created = await api(gw, 'POST', '/api/keys', STANDARD, { name: 'ci', models: ['test/*'], rpm: 50, budget: { usd: 10, period: 'month' } });
    expect(created.status).toBe(201);
    const body = (await created.json()) as { key: string; name: string; source: string };
    expect(body).toMatchObject({ name: 'ci', source: 'api' });
    expect(body.key).toMatch(/^sk-ar-[A-Za-z0-9_-]{32}$/);
    expect(await chatWith(gw, body.key)).toBe(200);

    const listed = (await (await api(gw, 'GET', '/api/keys', READ)).json()) as { data: Array<Record<string, unknown>> };
    expect(listed.data.map((k) => [k.name, k.source])).toEqual([
      ['team', 'config'],
      ['ci', 'api'],
    ]);
    expect(JSON.stringify(listed)).not.toContain(body.key);
    expect(JSON.stringify(listed)).not.toContain(sha256(body.key));

    // scopes: read cannot create, standard cannot revoke, config keys are read-only
    expect((await api(gw, 'POST', '/api/keys', READ, { name: 'nope' })).status).toBe(403);
    expect((await api(gw, 'DELETE', '/api/keys/ci', STANDARD)).status).toBe(403);
    expect((await api(gw, 'DELETE', '/api/keys/team', FULL)).status).toBe(409);
    expect((await api(gw, 'POST', '/api/keys', FULL, { name: 'ci' })).status).toBe(409);
    expect((await api(gw, 'POST', '/api/keys', FULL, { name: 'bad name!' })).status).toBe(400);

    const patched = await api(gw, 'PATCH', '/api/keys/ci', FULL, { rpm: null, budget: { usd: 20, period: 'day' } });
    expect(await patched.json()).toMatchObject({ name: 'ci', budget: { usd: 20, period: 'day' } });
    expect((await api(gw, 'DELETE', '/api/keys/ci', FULL)).status).toBe(200);
    expect(await chatWith(gw, body.key)).toBe(401);
    expect(await chatWith(gw, CONFIG_KEY)).toBe(200);

    // the database (and its WAL), the answers after creation: no plaintext anywhere
    gw.gateway.state.observability?.flush();
    await new Promise((r) => setTimeout(r, 300));
    for (const file of await readdir(dbDir)) {
      const bytes = await readFile(path.join(dbDir, file)).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(body.key)), file).toBe(false);
    }
  });

  it('anyrouter keys create|list|revoke talk to that API', async () => {
    const { gw } = await gateway();
    const cli = (...args: string[]) => execFileAsync(process.execPath, [BIN, 'keys', ...args, '--url', gw.url, '--admin-key', FULL]);
    const created = await cli('create', 'cli-made', '--models', 'test/*', '--tpm', '5000', '--budget-usd', '3', '--budget-period', 'day');
    const key = /key: (sk-ar-\S+)/.exec(created.stdout)?.[1];
    expect(key).toBeDefined();
    expect(await chatWith(gw, key!)).toBe(200);
    const listed = await cli('list');
    expect(listed.stdout).toMatch(/cli-made\s+api\s+models test\/\*\s+tpm 5000\s+budget \$3\/day/);
    expect(listed.stdout).toMatch(/team\s+config/);
    await cli('revoke', 'cli-made');
    expect(await chatWith(gw, key!)).toBe(401);
    await expect(execFileAsync(process.execPath, [BIN, 'keys', 'list', '--url', gw.url, '--admin-key', 'wrong'])).rejects.toMatchObject({ stderr: expect.stringContaining('401 invalid admin key') });
  });

  it('an expired key no longer authenticates', async () => {
    const { gw } = await gateway();
    const created = (await (await api(gw, 'POST', '/api/keys', FULL, { name: 'short', expires_at: Date.now() + 300 })).json()) as { key: string };
    expect(await chatWith(gw, created.key)).toBe(200);
    await new Promise((r) => setTimeout(r, 400));
    expect(await chatWith(gw, created.key)).toBe(401);
  });

  it('the MCP server creates and revokes keys, within the caller\'s scope', async () => {
    const { gw } = await gateway();
    const connect = async (token: string) => {
      const client = new Client({ name: 'anyrouter-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(`${gw.url}/api/v1/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
      return client;
    };
    const viewer = await connect(READ);
    const refused = await viewer.callTool({ name: 'create_key', arguments: { name: 'x' } });
    expect(refused.isError).toBe(true);
    expect(JSON.stringify(refused.content)).toContain("needs 'standard'");
    await viewer.close();

    const ops = await connect(FULL);
    const created = await ops.callTool({ name: 'create_key', arguments: { name: 'agent', models: ['*'] } });
    const key = (JSON.parse((created.content as Array<{ text: string }>)[0]!.text) as { key: string }).key;
    expect(await chatWith(gw, key)).toBe(200);
    const revoked = await ops.callTool({ name: 'revoke_key', arguments: { name: 'agent' } });
    expect(revoked.isError).toBeFalsy();
    expect(await chatWith(gw, key)).toBe(401);
    await ops.close();
  });
});
