/** What the bench's mock upstream (bench/mock-upstream.ts) and its clients agree on. */

/** The provider key the mock answers with 429 (`retry-after: 0`): the failover case's primary. */
export const RATE_LIMITED_KEY = 'bench-429';
/** Any other key gets a 200. */
export const OK_KEY = 'bench-ok';
/** Content events in a streamed answer (before `data: [DONE]`). */
export const STREAM_CHUNKS = 20;

/** Base path of the mock with `thinkMs` of think time, e.g. `/d20/v1`. */
export function mockBasePath(thinkMs: number): string {
  return `/d${thinkMs}/v1`;
}
