/**
 * The Hono app: routes under /v1 and /api/v1 (OpenAI Chat Completions, Anthropic Messages, OpenAI
 * Responses, the catalog), gateway auth, and errors in the envelope of the route's protocol (Anthropic's
 * under /messages, OpenAI's everywhere else). Handlers write to the Node response directly and return
 * RESPONSE_ALREADY_SENT.
 */
import { randomUUID } from 'node:crypto';
import type { HttpBindings } from '@hono/node-server';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { Hono, type Context } from 'hono';
import { anthropicMessagesClient } from './http/anthropic-messages-client.js';
import type { ClientProtocolSpec } from './http/client-protocol.js';
import { handleCountTokens } from './http/count-tokens.js';
import type { ErrorEnvelope } from './http/error-envelope.js';
import { handleModelRequest } from './http/handle-model-request.js';
import { requestRecordOf } from './http/request-record-of.js';
import { adminRoutes } from './admin/admin-routes.js';
import { openAIChatClient } from './http/openai-chat-client.js';
import type { GatewayError } from './http/openai-errors.js';
import { openAIResponsesClient } from './http/openai-responses-client.js';
import type { RequestContext } from './http/request-context.js';
import { healthReport } from './http/health-report.js';
import { presentedKey } from './http/gateway-auth.js';
import { didYouMeanSuffix } from '../naming/did-you-mean.js';
import { sendGatewayError, sendJson } from './http/respond.js';
import type { GatewayState } from './gateway-state.js';

type Env = { Bindings: HttpBindings; Variables: { ctx: RequestContext } };

export function newRequestId(): string {
  return 'req_' + randomUUID().replaceAll('-', '');
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
];

export function createApp(getState: () => GatewayState): Hono<Env> {
  const app = new Hono<Env>();

  const sendError = (c: Context<Env>, error: GatewayError) => {
    const id = c.get('ctx')?.requestId ?? newRequestId();
    sendGatewayError(c.env.outgoing, envelopeForPath(c.req.path), error, id, c.get('ctx')?.baseHeaders ?? {});
    return RESPONSE_ALREADY_SENT;
  };

  const authenticated = async (c: Context<Env>, next: () => Promise<void>) => {
    const requestId = newRequestId();
    const state = getState();
    const auth = state.auth.authenticate(presentedKey(c.req.header('authorization'), c.req.header('x-api-key')), state.clock.now());
    if ('status' in auth) {
      c.set('ctx', { requestId, identity: { name: 'unknown', allows: () => false }, baseHeaders: { 'x-anyrouter-request-id': requestId } });
      return sendError(c, auth);
    }
    const baseHeaders: Record<string, string> = { 'x-anyrouter-request-id': requestId };
    if (auth.rateLimit) {
      baseHeaders['x-ratelimit-limit'] = String(auth.rateLimit.limit);
      baseHeaders['x-ratelimit-remaining'] = String(auth.rateLimit.remaining);
      baseHeaders['x-ratelimit-reset'] = String(auth.rateLimit.resetSeconds);
    }
    c.set('ctx', { requestId, identity: auth, baseHeaders });
    await next();
  };

  const methodNotAllowed = (allowed: string) => (c: Context<Env>) =>
    sendError(c, { status: 405, code: 'method_not_allowed', message: `${c.req.method} is not allowed here; use ${allowed}`, headers: { allow: allowed } });

  for (const base of ['/v1', '/api/v1']) {
    for (const [path, client] of MODEL_ROUTES) {
      app.post(base + path, authenticated, async (c) => {
        const state = getState();
        const summary = await handleModelRequest(state, c.get('ctx'), client, c.env.incoming, c.env.outgoing);
        // the answer is out: recording costs the client nothing
        const observability = state.observability;
        if (observability) observability.record(requestRecordOf(summary, c.env.incoming.headers, state.clock.now(), { bodies: observability.bodies }));
        return RESPONSE_ALREADY_SENT;
      });
      app.all(base + path, methodNotAllowed('POST'));
    }
    app.post(`${base}/messages/count_tokens`, authenticated, async (c) => {
      await handleCountTokens(getState(), c.get('ctx'), c.env.incoming, c.env.outgoing);
      return RESPONSE_ALREADY_SENT;
    });
    app.all(`${base}/messages/count_tokens`, methodNotAllowed('POST'));

    app.get(`${base}/models`, authenticated, (c) => {
      sendJson(c.env.outgoing, 200, getState().table.modelListJson, c.get('ctx').baseHeaders);
      return RESPONSE_ALREADY_SENT;
    });
    app.get(`${base}/models/:id{.+}`, authenticated, (c) => {
      const id = c.req.param('id') ?? '';
      const table = getState().table;
      const json = table.modelJson.get(id.toLowerCase());
      if (!json) return sendError(c, { status: 404, code: 'model_not_found', message: `model '${id}' is not in this gateway's catalog${didYouMeanSuffix(id, table.names)}` });
      sendJson(c.env.outgoing, 200, json, c.get('ctx').baseHeaders);
      return RESPONSE_ALREADY_SENT;
    });
    app.all(`${base}/models`, methodNotAllowed('GET'));
  }

  app.get('/health', (c) => c.json(healthReport(getState())));
  app.get('/metrics', async (c) => {
    const metrics = getState().observability?.metrics;
    if (!metrics) return sendError(c, { status: 404, code: 'metrics_disabled', message: 'metrics are not running' });
    const { contentType, body } = await metrics.text();
    return c.body(body, 200, { 'content-type': contentType });
  });
  app.route(
    '/',
    adminRoutes({
      log: () => getState().observability?.log,
      adminKeys: () => getState().table.bundle.auth.adminKeys,
      gatewayKeys: () => getState().table.bundle.auth.gatewayKeys,
    }),
  );
  app.all('/health', methodNotAllowed('GET'));

  app.notFound((c) => sendError(c, { status: 404, code: 'route_not_found', message: `no route for ${c.req.method} ${c.req.path}` }));
  app.onError((error, c) => {
    // never a stack trace or a key in the answer; the log line carries only the error's name
    process.stderr.write(`anyrouter: internal error on ${c.req.method} ${c.req.path}: ${error.name}\n`);
    if (c.env.outgoing.headersSent) {
      c.env.outgoing.end();
      return RESPONSE_ALREADY_SENT;
    }
    return sendError(c, { status: 500, code: 'internal_error', message: 'internal gateway error' });
  });
  return app;
}
