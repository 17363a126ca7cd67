/**
 * Which end-user ids go on to another provider. Anthropic's `metadata.user_id` is free text: Claude Code fills it
 * with an opaque blob (a device hash, the account's UUID and the session id, ~150 characters) that names the
 * Anthropic account to whoever receives it and changes every session, so it is no stable end-user id either.
 * OpenAI asks for an id of at most 64 characters, hashed rather than identifying. Only an id of that size and
 * of plain characters is sent on as OpenAI's `user`; any other is dropped and listed (the request log still
 * records an end user for it: recordedEndUser below).
 */
const PORTABLE_USER_ID = /^[A-Za-z0-9._:@-]{1,64}$/;

export function isPortableUserId(id: string): boolean {
  return PORTABLE_USER_ID.test(id);
}

/** Characters of Claude Code's account UUID or device hash kept in the end user it is recorded as. */
const SHORT_ID_LENGTH = 12;

/** The longest end user recorded as the client sent it. */
const MAX_END_USER_LENGTH = 200;

/** Claude Code's older form: `user_<device hash>_account_<account UUID or nothing>_session_<session UUID>`. */
const LEGACY_CLAUDE_CODE_ID = /^user_([0-9a-f]+)_account_([0-9a-f-]*)_session_[0-9a-f-]+$/i;

/** The device and account of a Claude Code `metadata.user_id` blob, if it is one (its session id is left out). */
function claudeCodeIdentity(id: string): { account: string; device: string } | undefined {
  if (id.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(id);
    } catch {
      return undefined;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined;
    const blob = parsed as Record<string, unknown>;
    if (!('device_id' in blob) && !('account_uuid' in blob)) return undefined;
    return { account: typeof blob.account_uuid === 'string' ? blob.account_uuid : '', device: typeof blob.device_id === 'string' ? blob.device_id : '' };
  }
  const legacy = LEGACY_CLAUDE_CODE_ID.exec(id);
  return legacy ? { account: legacy[2]!, device: legacy[1]! } : undefined;
}

/**
 * The end user a request is recorded under (`usage --by user`, the `user` filter). Claude Code's blob becomes a
 * short stable id: `account:` and the start of its account UUID when it has one, else `device:` and the start of
 * its device hash; never its session id, which would count every session as a new user (a blob with neither is
 * no user). Any other id is kept as sent, at most 200 characters.
 */
export function recordedEndUser(id: string): string | undefined {
  const claudeCode = claudeCodeIdentity(id);
  if (claudeCode === undefined) return id === '' ? undefined : id.slice(0, MAX_END_USER_LENGTH);
  if (claudeCode.account !== '') return `account:${claudeCode.account.slice(0, SHORT_ID_LENGTH)}`;
  if (claudeCode.device !== '') return `device:${claudeCode.device.slice(0, SHORT_ID_LENGTH)}`;
  return undefined;
}
