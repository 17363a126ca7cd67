/**
 * Which end-user ids go on to another provider. Anthropic's `metadata.user_id` is free text: Claude Code fills it
 * with an opaque blob (a device hash, the account's UUID and the session id, ~150 characters) that names the
 * Anthropic account to whoever receives it and changes every session, so it is no stable end-user id either.
 * OpenAI asks for an id of at most 64 characters, hashed rather than identifying. Only an id of that size and
 * of plain characters is sent on as OpenAI's `user`; any other is dropped and listed (the request log still
 * records it as the end user).
 */
const PORTABLE_USER_ID = /^[A-Za-z0-9._:@-]{1,64}$/;

export function isPortableUserId(id: string): boolean {
  return PORTABLE_USER_ID.test(id);
}
