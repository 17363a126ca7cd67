/**
 * Whether a gateway serves the model an agent is launched with, asked of the gateway itself so that a
 * started gateway and one given by `--url` are checked alike: a model id or alias listed by
 * `GET /v1/models` (a `:floor`/`:nitro` suffix allowed) is served; any other name (a virtual pool,
 * `@preset/name`, `model@preset/name`, or a typo) goes to `POST /v1/messages/count_tokens`, which resolves it
 * with the gateway's own routing code and answers 404 with a did-you-mean when nothing is called that.
 * With `askServable` (a gateway given by `--url`, whose environment only it knows) a listed model is probed too:
 * count_tokens answers 503 `no_upstream_available` ("no upstream of 'M' has a key: set ...") for a model none of
 * whose upstreams has a key, which an agent would otherwise retry for minutes without a word.
 */
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';

/** A model as `GET /v1/models` lists it (the fields the launcher reads). */
export interface ListedModel {
  id: string;
  aliases?: string[];
  capabilities?: string[];
}

export type ModelCheck =
  | { ok: true; listed?: ListedModel }
  | { ok: false; exitCode: 1 | 2; message: string };

const SORT_SUFFIX = /:(floor|nitro)$/;

function authHeaders(key: string): Record<string, string> {
  return { authorization: `Bearer ${key}` };
}

async function errorMessage(response: Response): Promise<string> {
  const text = await response.text();
  try {
    const body = JSON.parse(text) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') return body.error.message;
  } catch {
    // not the gateway's error envelope
  }
  return `HTTP ${response.status}`;
}

/** The gateway refused the key (its body read and dropped, so the connection is free). */
async function refused(url: string, response: Response): Promise<ModelCheck> {
  await response.arrayBuffer();
  return { ok: false, exitCode: 2, message: `the gateway at ${url} refused the gateway key (${response.status}): set ANYROUTER_API_KEY to a key it accepts` };
}

const isRefusal = (response: Response) => response.status === 401;

export async function checkModel(url: string, key: string, model: string, options: { askServable?: boolean } = {}): Promise<ModelCheck> {
  let list: Response;
  try {
    list = await fetch(`${url}/v1/models`, { headers: authHeaders(key) });
  } catch (error) {
    return { ok: false, exitCode: 1, message: `cannot reach the gateway at ${url} (${(error as Error).message})` };
  }
  if (isRefusal(list)) return refused(url, list);
  if (!list.ok) return { ok: false, exitCode: 1, message: `the gateway at ${url} answered GET /v1/models with ${list.status}: ${await errorMessage(list)}` };
  const models = ((await list.json()) as { data?: ListedModel[] }).data ?? [];
  const wanted = model.replace(SORT_SUFFIX, '').toLowerCase();
  const listed = models.find((m) => m.id.toLowerCase() === wanted || (m.aliases ?? []).some((a) => a.toLowerCase() === wanted));
  if (listed && !options.askServable) return { ok: true, listed };

  const probe = await fetch(`${url}/v1/messages/count_tokens`, {
    method: 'POST',
    headers: { ...authHeaders(key), 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: '.' }] }),
  });
  if (isRefusal(probe)) return refused(url, probe);
  if (probe.ok) {
    await probe.arrayBuffer();
    return listed ? { ok: true, listed } : { ok: true };
  }
  const message = await errorMessage(probe);
  // known, but nothing to serve it with (no upstream has a key; a pool none of whose members has one)
  if (probe.status === 503) return { ok: false, exitCode: 2, message };
  if (probe.status === 404 || probe.status === 403) {
    // unknown, or not for this key: the gateway's own message, which names the closest model; else the closest listed one
    const hint = message.includes('did you mean') ? '' : didYouMeanSuffix(model, models.flatMap((m) => [m.id, ...(m.aliases ?? [])]));
    return { ok: false, exitCode: 2, message: message + hint };
  }
  return { ok: false, exitCode: 1, message: `the gateway at ${url} cannot serve '${model}': ${message}` };
}
