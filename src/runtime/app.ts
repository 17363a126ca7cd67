/**
 * The HTTP surface: routes under /v1 and /api/v1 (OpenAI Chat Completions, Anthropic Messages, OpenAI
 * Responses, the catalog), gateway auth, and errors in the envelope of the route's protocol (Anthropic's
 * under /messages, OpenAI's everywhere else). Handlers write to the Node response directly.
 *
 * The model endpoints (`POST .../chat/completions`, `/messages`, `/responses`, `/embeddings`) are dispatched straight
 * from the node:http listener: they are the hot path, and a Hono Context, its middleware chain and the
 * Request wrapper cost more per request than the rest of the routing. Every other route (and any URL
 * form the fast path does not recognise) goes through the Hono app, once its raw path is known to hold no
 * dot segment, encoded slash or backslash (http/raw-path.ts).
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { getRequestListener, type HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { anthropicMessagesClient } from './http/anthropic-messages-client.js';
import type { ClientProtocolSpec } from './http/client-protocol.js';
import { handleCountTokens } from './http/count-tokens.js';
import type { ErrorEnvelope } from './http/error-envelope.js';
import { handleModelRequest } from './http/handle-model-request.js';
import { appAttribution, refusedRecord, requestRecordOf } from './http/request-record-of.js';
import { usageCostUsd } from './observability/cost.js';
import { adminRoutes } from './admin/admin-routes.js';
import { dashboardHandler } from './admin/dashboard-route.js';
import { openAIChatClient } from './http/openai-chat-client.js';
import type { GatewayError } from './http/openai-errors.js';
import { openAIResponsesClient } from './http/openai-responses-client.js';
import { openAIEmbeddingsClient } from './http/openai-embeddings-client.js';
import { openAIResponsesCompactClient, openAIResponsesInputTokensClient } from './http/openai-responses-operations.js';
import { serveStoredResponse, type StoredResponseAction } from './http/stored-responses.js';
import type { RequestContext } from './http/request-context.js';
import { healthReport } from './http/health-report.js';
import { keyRoutes } from './governance/key-routes.js';
import { countShared, presentedKey, type GatewayIdentity, type GatewayRefusal } from './http/gateway-auth.js';
import { rawPathOf, unsafePathReason } from './http/raw-path.js';
import { isHeadRequest, routeHeadAsGet } from './http/head-requests.js';
import { didYouMeanSuffix } from '../naming/did-you-mean.js';
import { sendGatewayError, sendJson } from './http/respond.js';
import type { GatewayState } from './gateway-state.js';

type Env = { Bindings: HttpBindings; Variables: { ctx: RequestContext } };

/** Per process: 16 random hex digits; per request: a 16-digit hex counter. Unique across restarts, and no entropy drawn per request. */
const REQUEST_ID_PREFIX = 'req_' + randomBytes(8).toString('hex');
let requestCounter = 0;

export function newRequestId(): string {
  return REQUEST_ID_PREFIX + (requestCounter++).toString(16).padStart(16, '0');
}

/** The paths whose clients speak Anthropic Messages (and expect its error envelope). */
const ANTHROPIC_PATH = /^\/(?:api\/)?v1\/messages(?:\/|$)/;

function envelopeForPath(path: string): ErrorEnvelope {
  return ANTHROPIC_PATH.test(path) ? 'anthropic' : 'openai';
}

/** The model endpoints: one pipeline, one protocol descriptor each. */
const MODEL_ROUTES: ReadonlyArray<[path: string, client: ClientProtocolSpec]> = [
  ['/chat/completions', openAIChatClient],
  ['/messages', anthropicMessagesClient],
  ['/responses', openAIResponsesClient],
  ['/embeddings', openAIEmbeddingsClient],
  ['/responses/input_tokens', openAIResponsesInputTokensClient],
  ['/responses/compact', openAIResponsesCompactClient],
];

type Authenticated = { ctx: RequestContext; refusal?: GatewayRefusal };

/** Who is asking: the request's context, or the refusal to send. Waits only for a key whose rpm is shared (Redis). */
function authenticate(state: GatewayState, req: IncomingMessage): Authenticated | Promise<Authenticated> {
  const requestId = newRequestId();
  const auth = state.auth.authenticate(presentedKey(headerText(req.headers.authorization), headerText(req.headers['x-api-key'])), state.clock.now());
  if ('status' in auth) return refused(requestId, auth);
  const shared = state.auth.sharedLimits;
  if (auth.sharedRpm === undefined || shared === undefined) return admitted(requestId, auth);
  const counted = countShared(shared, auth, state.clock.now());
  const finish = (settled: GatewayIdentity | GatewayRefusal) => ('status' in settled ? refused(requestId, settled) : admitted(requestId, settled));
  return counted instanceof Promise ? counted.then(finish) : finish(counted);
}

function refused(requestId: string, refusal: GatewayRefusal): Authenticated {
  return { ctx: { requestId, identity: { name: 'unknown', allows: () => false }, baseHeaders: { 'x-anyrouter-request-id': requestId } }, refusal };
}

function admitted(requestId: string, auth: GatewayIdentity): Authenticated {
  const baseHeaders: Record<string, string> = { 'x-anyrouter-request-id': requestId };
  if (auth.rateLimit) {
    baseHeaders['x-ratelimit-limit'] = String(auth.rateLimit.limit);
    baseHeaders['x-ratelimit-remaining'] = String(auth.rateLimit.remaining);
    baseHeaders['x-ratelimit-reset'] = String(auth.rateLimit.resetSeconds);
  }
  return { ctx: { requestId, identity: auth, baseHeaders } };
}

function headerText(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** One model request, start to finish: auth, the pipeline, then the record (once the answer is out). */
async function serveModelRequest(getState: () => GatewayState, client: ClientProtocolSpec, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const state = getState();
  const authenticated = authenticate(state, req);
  const { ctx, refusal } = authenticated instanceof Promise ? await authenticated : authenticated;
  if (refusal) {
    sendGatewayError(res, client.envelope, refusal, ctx.requestId, ctx.baseHeaders);
    // a refused request is a request too (who knocks, with which key, how often): its body is never read
    state.observability?.record(refusedRecord(ctx.requestId, client, refusal, req.headers, state.clock.now()));
    return;
  }
  // budgets: a used-up one answers 402 before routing; what is left goes out with the answer
  const budgets = state.budgets;
  const app = budgets ? appAttribution(req.headers).title : undefined;
  if (budgets) {
    const verdict = budgets.check(ctx.identity.name, app, state.clock.now());
    if (verdict !== undefined && 'status' in verdict) {
      sendGatewayError(res, client.envelope, verdict, ctx.requestId, ctx.baseHeaders);
      state.observability?.record(refusedRecord(ctx.requestId, client, { ...verdict, keyName: ctx.identity.name }, req.headers, state.clock.now()));
      return;
    }
    if (verdict !== undefined) ctx.baseHeaders['x-anyrouter-budget-remaining'] = verdict.remainingUsd.toFixed(6);
  }
  const summary = await handleModelRequest(state, ctx, client, req, res);
  if (summary.usage !== undefined) {
    const now = state.clock.now();
    state.auth.addTokens(ctx.identity.name, summary.usage.inputTokens + summary.usage.outputTokens, now);
    if (budgets && summary.pricing) budgets.spend(ctx.identity.name, app, summary.costUsd ?? usageCostUsd(summary.pricing, summary.usage), now);
  }
  // the answer is out: recording costs the client nothing
  const observability = state.observability;
  if (observability) observability.record(requestRecordOf(summary, req.headers, state.clock.now(), { bodies: observability.bodies }));
}

/** An error nothing else caught: a 500 without a stack trace or a key, and one line on stderr naming only the error's kind. */
function answerInternalError(method: string, path: string, error: unknown, res: ServerResponse, requestId = newRequestId()): void {
  process.stderr.write(`anyrouter: internal error on ${method} ${path}: ${(error as Error | null)?.name ?? 'Error'}\n`);
  if (res.headersSent) {
    res.end();
    return;
  }
  sendGatewayError(res, envelopeForPath(path), { status: 500, code: 'internal_error', message: 'internal gateway error' }, requestId);
}



/** The method the client sent (HEAD stays HEAD in messages). */
function clientMethod(c: Context<Env>): string {
  return isHeadRequest(c.env.incoming) ? 'HEAD' : c.req.method;
}

/** The node:http listener: model endpoints directly, everything else through Hono. */
export function createRequestListener(getState: () => GatewayState): (req: IncomingMessage, res: ServerResponse) => void {
  const hono = getRequestListener(createApp(getState).fetch, { autoCleanupIncoming: false });
  const modelPaths = new Map<string, ClientProtocolSpec>();
  for (const base of ['/v1', '/api/v1']) for (const [path, client] of MODEL_ROUTES) modelPaths.set(base + path, client);
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method === 'POST') {
      const query = url.indexOf('?');
      const path = query < 0 ? url : url.slice(0, query);
      // a known path as written: nothing to check
      const client = modelPaths.get(path);
      if (client) {
        serveModelRequest(getState, client, req, res).catch((error: unknown) => answerInternalError('POST', path, error, res));
        return;
      }
    }
    const path = rawPathOf(url);
    const unsafe = unsafePathReason(req.method, path);
    if (unsafe !== undefined) {
      sendGatewayError(res, envelopeForPath(path), { status: 400, code: 'invalid_path', message: `the request path holds ${unsafe}; send the path as routed, without dot segments, encoded slashes or backslashes` }, newRequestId());
      return;
    }
    if (req.method === 'HEAD') {
      routeHeadAsGet(req);
    }
    void hono(req, res);
  };
}

export function createApp(getState: () => GatewayState): Hono<Env> {
  const app = new Hono<Env>();

  const sendError = (c: Context<Env>, error: GatewayError) => {
    const id = c.get('ctx')?.requestId ?? newRequestId();
    sendGatewayError(c.env.outgoing, envelopeForPath(c.req.path), error, id, c.get('ctx')?.baseHeaders ?? {});
    return RESPONSE_ALREADY_SENT;
  };

  const authenticated = async (c: Context<Env>, next: () => Promise<void>) => {
    const { ctx, refusal } = await authenticate(getState(), c.env.incoming);
    c.set('ctx', ctx);
    if (refusal) return sendError(c, refusal);
    await next();
  };

  const methodNotAllowed = (allowed: string) => (c: Context<Env>) =>
    sendError(c, { status: 405, code: 'method_not_allowed', message: `${clientMethod(c)} is not allowed here; use ${allowed}`, headers: { allow: allowed } });

  for (const base of ['/v1', '/api/v1']) {
    for (const [path, client] of MODEL_ROUTES) {
      // reached only by URL forms the listener's fast path leaves to Hono (an absolute-form target, say)
      app.post(base + path, async (c) => {
        await serveModelRequest(getState, client, c.env.incoming, c.env.outgoing);
        return RESPONSE_ALREADY_SENT;
      });
      app.all(base + path, methodNotAllowed('POST'));
    }
    app.post(`${base}/messages/count_tokens`, authenticated, async (c) => {
      await handleCountTokens(getState(), c.get('ctx'), c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    });
    app.all(`${base}/messages/count_tokens`, methodNotAllowed('POST'));

    // a stored response (no model: the pinned, or the only, provider that serves Responses natively)
    const storedResponse = (action: StoredResponseAction) => async (c: Context<Env>) => {
      const url = c.env.incoming.url ?? '';
      const query = url.indexOf('?');
      await serveStoredResponse(getState(), c.get('ctx'), { action, id: c.req.param('id') ?? '', query: query < 0 ? '' : url.slice(query) }, c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    };
    app.get(`${base}/responses/:id`, authenticated, storedResponse('retrieve'));
    app.delete(`${base}/responses/:id`, authenticated, storedResponse('delete'));
    app.all(`${base}/responses/:id`, methodNotAllowed('GET, HEAD, DELETE'));
    app.get(`${base}/responses/:id/input_items`, authenticated, storedResponse('input_items'));
    app.all(`${base}/responses/:id/input_items`, methodNotAllowed('GET, HEAD'));
    app.post(`${base}/responses/:id/cancel`, authenticated, storedResponse('cancel'));
    app.all(`${base}/responses/:id/cancel`, methodNotAllowed('POST'));

    // a key limited by `models` globs sees only what it may use; a hidden id answers like an unknown one
    app.get(`${base}/models`, authenticated, (c) => {
      const ctx = c.get('ctx');
      sendJson(c.env.outgoing, 200, getState().table.catalog.viewFor(ctx.identity).listJson, ctx.baseHeaders);
      return RESPONSE_ALREADY_SENT;
    });
    app.get(`${base}/models/:id{.+}`, authenticated, (c) => {
      const id = c.req.param('id') ?? '';
      const ctx = c.get('ctx');
      const catalog = getState().table.catalog.viewFor(ctx.identity);
      const json = catalog.entryJson.get(id.toLowerCase());
      if (!json) return sendError(c, { status: 404, code: 'model_not_found', message: `model '${id}' is not in this gateway's catalog${didYouMeanSuffix(id, catalog.names)}` });
      sendJson(c.env.outgoing, 200, json, ctx.baseHeaders);
      return RESPONSE_ALREADY_SENT;
    });
    app.all(`${base}/models`, methodNotAllowed('GET, HEAD'));
  }

  // the MCP server: Streamable HTTP, stateless, behind an admin key (src/runtime/mcp/mcp-server.ts)
  for (const path of ['/api/v1/mcp', '/v1/mcp']) {
    app.post(path, async (c) => {
      const { handleMcpRequest } = await import('./mcp/mcp-server.js');
      await handleMcpRequest(getState(), c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    });
    app.all(path, methodNotAllowed('POST'));
  }
  app.get('/health', (c) => c.json(healthReport(getState())));
  app.get('/metrics', async (c) => {
    const state = getState();
    const metrics = state.observability?.metrics;
    if (!metrics) return sendError(c, { status: 404, code: 'metrics_disabled', message: 'metrics are not running' });
    const { contentType, body } = state.metricsOf ? await state.metricsOf() : await metrics.text();
    return c.body(body, 200, { 'content-type': contentType });
  });
  app.route('/', keyRoutes(getState));
  app.route(
    '/',
    adminRoutes({ state: getState }),
  );
  app.all('/health', methodNotAllowed('GET, HEAD'));
  // the dashboard's page and assets, at the path the config (or the default) mounts it on
  app.get('/*', dashboardHandler(() => getState().dashboardPath));

  app.notFound((c) => sendError(c, { status: 404, code: 'route_not_found', message: `no route for ${clientMethod(c)} ${c.req.path}` }));
  app.onError((error, c) => {
    answerInternalError(c.req.method, c.req.path, error, c.env.outgoing, c.get('ctx')?.requestId);
    return RESPONSE_ALREADY_SENT;
  });
  return app;
}
