/**
 * The end user a request is recorded under: Claude Code's `metadata.user_id` blob (as captured in
 * fixtures/agents) becomes a short id of its account, else its device, never its session; plain ids stay as sent.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordedEndUser } from '../../src/protocols/end-user-id.js';

function fixtureUserId(name: string): string {
  const text = readFileSync(new URL(`./fixtures/agents/${name}`, import.meta.url), 'utf8');
  const match = /"user_id":\s*("(?:[^"\\]|\\.)*")/.exec(text);
  if (!match) throw new Error(`no user_id in ${name}`);
  return JSON.parse(match[1]!) as string;
}

const blob = (fields: Record<string, string>) => JSON.stringify(fields);
const hex = (length: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${length}}$`));
const uuid = fc.uuid();

describe('recordedEndUser', () => {
  it("Claude Code's captured blob (no account): its device, short", () => {
    for (const name of ['claude-code-turn.json', 'claude-code-tool-turn.json']) {
      const id = fixtureUserId(name);
      expect(id.length).toBeGreaterThan(100);
      expect(recordedEndUser(id)).toBe('device:000000000000');
    }
  });

  it('a blob: account when it has one, else device; the same user across sessions, never longer than 20 characters', () => {
    fc.assert(
      fc.property(hex(64), fc.option(uuid, { nil: '' }), uuid, uuid, (device, account, session, otherSession) => {
        const a = recordedEndUser(blob({ device_id: device, account_uuid: account, session_id: session }));
        const b = recordedEndUser(blob({ device_id: device, account_uuid: account, session_id: otherSession }));
        expect(a).toBe(b);
        expect(a).toBe(account !== '' ? `account:${account.slice(0, 12)}` : `device:${device.slice(0, 12)}`);
        expect(a!.length).toBeLessThanOrEqual(20);
        // Claude Code's older form says the same
        expect(recordedEndUser(`user_${device}_account_${account}_session_${session}`)).toBe(a);
      }),
    );
  });

  it('a blob with neither account nor device is no user (its session alone would count each session as one)', () => {
    expect(recordedEndUser(blob({ device_id: '', account_uuid: '', session_id: 'bc03e1f2-0000-4000-8000-000000000000' }))).toBeUndefined();
  });

  it('any other id is kept as sent (at most 200 characters); an empty one is none', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 300 }).filter((s) => !s.startsWith('{') && !s.startsWith('user_')), (id) => {
        expect(recordedEndUser(id)).toBe(id.slice(0, 200));
      }),
    );
    expect(recordedEndUser('bob')).toBe('bob');
    expect(recordedEndUser('{"team":"x"}')).toBe('{"team":"x"}');
    expect(recordedEndUser('{not json')).toBe('{not json');
    expect(recordedEndUser('')).toBeUndefined();
  });
});
