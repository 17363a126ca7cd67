/**
 * The request target as the client sent it, checked before routing. The URL parser under Hono resolves
 * `%2e%2e` and `\` like `..` and `/`, so `/v1/%2e%2e/api/requests` would reach the admin API, and a reverse
 * proxy that forwards only `/v1/*` would not have stopped it. Such paths are refused, never normalised.
 */

/** A segment that is `.` or `..`, literal or percent-encoded (`%2e`, `.%2E` ...). */
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=\/|$)/i;
const ENCODED_SLASH = /%2f/i;
const BACKSLASH = /\\|%5c/i;
/** The catalog's model ids hold a slash, which the OpenAI SDK sends encoded (`/v1/models/openai%2Fgpt-5.4`). */
const MODEL_ID_PATH = /^\/(?:api\/)?v1\/models\//;

/** The path of a request target: no query or fragment, no `scheme://authority` of an absolute-form target. */
export function rawPathOf(target: string): string {
  let end = target.length;
  const query = target.indexOf('?');
  if (query >= 0) end = query;
  const fragment = target.indexOf('#');
  if (fragment >= 0 && fragment < end) end = fragment;
  let path = target.slice(0, end);
  if (!path.startsWith('/')) {
    const scheme = path.indexOf('://');
    if (scheme >= 0) {
      const slash = path.indexOf('/', scheme + 3);
      path = slash < 0 ? '/' : path.slice(slash);
    }
  }
  return path;
}

/**
 * Why a raw path is refused (a dot segment, an encoded slash, a backslash), or undefined when it routes as
 * written. An encoded slash is allowed only in the model id of `GET /v1/models/{id}`.
 */
export function unsafePathReason(method: string | undefined, path: string): string | undefined {
  if (BACKSLASH.test(path)) return 'a backslash';
  if (DOT_SEGMENT.test(path)) return 'a dot segment';
  if (ENCODED_SLASH.test(path)) {
    const id = method === 'GET' || method === 'HEAD' ? MODEL_ID_PATH.exec(path) : null;
    // an encoded slash is a model id's own, but the id it decodes to still may not hold a dot segment
    if (id === null) return 'an encoded slash';
    if (DOT_SEGMENT.test(path.slice(id[0].length).replace(/%2f/gi, '/'))) return 'a dot segment';
  }
  return undefined;
}
