/** What the gateway knows about a request before its body is read: its id and who sent it. */
import type { GatewayIdentity } from './gateway-auth.js';

export interface RequestContext {
  requestId: string;
  identity: GatewayIdentity;
  /** Headers every answer carries (request id, gateway rate limit). */
  baseHeaders: Record<string, string>;
}
