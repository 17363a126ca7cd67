/**
 * The admin API, as the dashboard reads it: the admin key lives in this tab's sessionStorage only and goes
 * out as a bearer token; nothing is stored on the gateway. The types are the gateway's own.
 */
import { EventSourceParserStream } from 'eventsource-parser/stream';
import type { RequestRecord } from '../../src/runtime/observability/request-record.js';
import type { RequestSummary } from '../../src/runtime/observability/request-queries.js';
import type { UsageRow } from '../../src/runtime/observability/usage-query.js';
import type { RouteExplanation, RouteRefusalExplanation } from '../../src/runtime/policy/route-explanation.js';
import type { catalogView, liveHealth } from '../../src/runtime/admin/gateway-views.js';

export type { RequestRecord, RequestSummary, UsageRow, RouteExplanation, RouteRefusalExplanation };
export type Catalog = ReturnType<typeof catalogView>;
export type LiveHealth = ReturnType<typeof liveHealth>;
export interface RequestList {
  data: RequestSummary[];
  next_cursor: string | null;
}

const KEY_ITEM = 'anyrouter.adminKey';

export const session = {
  key: (): string | null => sessionStorage.getItem(KEY_ITEM),
  signIn: (key: string) => sessionStorage.setItem(KEY_ITEM, key),
  signOut: () => sessionStorage.removeItem(KEY_ITEM),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the gateway refuses the session's key (revoked, or the gateway now has keys). */
let onRefused: (error: ApiError) => void = () => {};
export function whenRefused(handler: (error: ApiError) => void): void {
  onRefused = handler;
}

function headers(key: string | null): Record<string, string> {
  return key ? { authorization: `Bearer ${key}` } : {};
}

async function failure(response: Response): Promise<ApiError> {
  const body = (await response.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
  return new ApiError(response.status, body.error?.code ?? 'http_' + response.status, body.error?.message ?? response.statusText);
}

export async function get<T>(path: string, key: string | null = session.key(), signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: headers(key), ...(signal ? { signal } : {}) });
  if (!response.ok) {
    const error = await failure(response);
    if (response.status === 401 && key === session.key()) onRefused(error);
    throw error;
  }
  return (await response.json()) as T;
}

/** A query string without empty values. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined && value !== '') q.set(name, value);
  const text = q.toString();
  return text ? '?' + text : '';
}

/**
 * The live tail: `GET /api/requests/stream` read with fetch (an EventSource cannot send the bearer token),
 * parsed by eventsource-parser. Reconnects after a dropped connection until `signal` aborts.
 */
export async function tailRequests(filters: Record<string, string | undefined>, onRequest: (r: RequestSummary) => void, onState: (live: boolean) => void, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      const response = await fetch('/api/requests/stream' + query(filters), { headers: headers(session.key()), signal });
      if (!response.ok || !response.body) {
        const error = await failure(response);
        if (response.status === 401) onRefused(error);
        throw error;
      }
      const events = response.body.pipeThrough(new TextDecoderStream()).pipeThrough(new EventSourceParserStream());
      const reader = events.getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        if (value.event === 'ready') onState(true);
        else if (value.event === 'request') onRequest(JSON.parse(value.data) as RequestSummary);
      }
    } catch (error) {
      if (signal.aborted) return;
      if (error instanceof ApiError && error.status === 401) return;
    }
    onState(false);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}
