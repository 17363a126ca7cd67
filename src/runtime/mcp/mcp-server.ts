/**
 * The MCP server at `POST /api/v1/mcp` (and `/v1/mcp`): Streamable HTTP from the official SDK, stateless (a
 * server per request), authenticated by an admin key as a bearer token. Its tools call what the admin API
 * and `anyrouter explain` call: the catalog, the presets, the planner, the request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { authorizeAdminOf, hasScope, presentedAdminKey, type AdminCaller } from '../admin/admin-auth.js';
import type { AdminScope } from '../../bundle/format.js';
import { KeyAdmin } from '../governance/key-routes.js';
import type { GatewayState } from '../gateway-state.js';
import { parseTime } from '../admin/admin-routes.js';
import { explainFor } from '../admin/gateway-views.js';
import type { UsageGroupBy } from '../observability/usage-query.js';

type ToolResult = { content: Array<{ type: 'text'; text: string }>; isError?: boolean };

const json = (value: unknown): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] });
const toolError = (message: string): ToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

/** The tools, for one caller: reading needs the read scope the request was let in with; changing keys needs more. */
function buildServer(state: GatewayState, caller: AdminCaller): McpServer {
  const server = new McpServer({ name: 'anyrouter', version: '0.1.0' });
  const lacks = (need: AdminScope): string | undefined => (hasScope(caller, need) ? undefined : `admin key '${caller.name}' has scope '${caller.scope}'; this tool needs '${need}'`);
  const bundle = state.table.bundle;

  server.registerTool(
    'list_models',
    {
      description: 'The gateway catalog: ids, aliases, context, capabilities, pricing (USD per 1M tokens) and providers. Filters are optional.',
      inputSchema: { provider: z.string().optional(), capability: z.string().optional(), min_context: z.number().int().positive().optional() },
    },
    async ({ provider, capability, min_context }) => {
      const models = bundle.models.filter(
        (m) => (provider === undefined || m.candidates.some((c) => c.provider === provider)) && (capability === undefined || m.capabilities.includes(capability as never)) && (min_context === undefined || m.context >= min_context),
      );
      return json(models.map((m) => ({ id: m.id, aliases: m.aliases, context: m.context, capabilities: m.capabilities, pricing: m.pricing, providers: [...new Set(m.candidates.map((c) => c.provider))] })));
    },
  );

  server.registerTool('list_presets', { description: 'The presets (`@preset/name`): model, fallbacks, provider preferences and parameters.' }, async () =>
    json(Object.values(bundle.presets).map((p) => ({ name: p.name, model: p.model, models: p.models, ...(p.provider ? { provider: p.provider } : {}), params: p.params, ...(p.description ? { description: p.description } : {}) }))),
  );

  server.registerTool(
    'explain_route',
    {
      description: 'The ranked plan for a model or `@preset/name` with the reason for every inclusion, exclusion and position, from the live health and stats (what the gateway would do now).',
      inputSchema: { model: z.string().min(1), request: z.record(z.string(), z.unknown()).optional() },
    },
    async ({ model, request }) => {
      // what GET /api/explain answers
      const explained = explainFor(state, model, request);
      return 'error' in explained ? toolError(`no plan: ${explained.error.message} (the gateway answers ${explained.error.status})`) : json(explained);
    },
  );

  const keys = new KeyAdmin(() => state);
  server.registerTool('list_keys', { description: 'The gateway keys: name, model globs, limits, budget and where each is defined (config keys are read-only; api keys were created at run time).' }, async () => json(keys.list()));

  server.registerTool(
    'create_key',
    {
      description: 'Creates a gateway key (needs an admin key of scope standard or full). Answers its sk-ar-... plaintext once; only its sha256 is stored.',
      inputSchema: {
        name: z.string().min(1),
        models: z.array(z.string().min(1)).optional(),
        rpm: z.number().int().positive().optional(),
        tpm: z.number().int().positive().optional(),
        budget: z.object({ usd: z.number().positive(), period: z.enum(['day', 'week', 'month', 'total']) }).optional(),
        expires_at: z.string().optional(),
      },
    },
    async (input) => {
      const denied = lacks('standard');
      if (denied) return toolError(denied);
      const result = await keys.create(input);
      return 'status' in result ? toolError(result.message) : json({ ...result.key, key: result.plaintext });
    },
  );

  server.registerTool(
    'revoke_key',
    { description: 'Revokes a run-time gateway key at once, on every worker and replica (needs an admin key of scope full).', inputSchema: { name: z.string().min(1) } },
    async ({ name }) => {
      const denied = lacks('full');
      if (denied) return toolError(denied);
      const result = await keys.revoke(name);
      return 'status' in result ? toolError(result.message) : json(result);
    },
  );

  server.registerTool(
    'list_requests',
    {
      description: 'Recent requests from the request log, newest first, with their attempts: filter by model, gateway key, app, status.',
      inputSchema: { model: z.string().optional(), key: z.string().optional(), app: z.string().optional(), status: z.union([z.number().int(), z.enum(['ok', 'failed'])]).optional(), limit: z.number().int().min(1).max(200).optional() },
    },
    async ({ model, key, app, status, limit }) => {
      const log = state.observability?.log;
      if (!log) return toolError('request logging is off (logging.enabled: false)');
      const page = await log.reader.listRequests({ ...(model ? { model } : {}), ...(key ? { key } : {}), ...(app ? { app } : {}), ...(status !== undefined ? { status } : {}) }, { limit: limit ?? 20 });
      return json(page.requests);
    },
  );

  server.registerTool(
    'get_usage',
    {
      description: 'Spend, tokens, requests, error rate and latency from the request log, grouped by model, key, app or upstream, since a time (ms, ISO date, or e.g. 24h).',
      inputSchema: { group_by: z.enum(['model', 'key', 'app', 'upstream']).optional(), since: z.string().optional() },
    },
    async ({ group_by, since }) => {
      const log = state.observability?.log;
      if (!log) return toolError('request logging is off (logging.enabled: false)');
      const from = parseTime(since, Date.now());
      if (from === 'invalid') return toolError("'since' takes ms since the epoch, an ISO date, or a duration such as 24h");
      const rows = await log.reader.usage({ ...(group_by ? { groupBy: group_by as UsageGroupBy } : {}), ...(from !== undefined ? { from } : {}) });
      return json(rows);
    },
  );
  return server;
}

/** One MCP request: authenticated, then handed to a fresh server and transport (stateless mode). */
export async function handleMcpRequest(state: GatewayState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const caller = authorizeAdminOf(state, presentedAdminKey(header('authorization'), header('x-api-key')), 'read');
  if ('status' in caller) {
    const body = JSON.stringify({ jsonrpc: '2.0', error: { code: -32001, message: caller.message }, id: null });
    res.writeHead(caller.status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...(caller.status === 401 ? { 'www-authenticate': 'Bearer' } : {}) });
    res.end(body);
    return;
  }
  const server = buildServer(state, caller);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
  res.on('close', () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}
