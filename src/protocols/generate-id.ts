/** Ids for things the gateway has to name itself (Gemini function calls, synthesized messages). */
import { randomBytes } from 'node:crypto';

/** `prefix` followed by 24 url-safe random characters, e.g. `call_Jx3...`. */
export function generateId(prefix: string): string {
  return prefix + randomBytes(18).toString('base64url');
}
