import { createHash, randomBytes } from 'node:crypto';
import { didYouMeanSuffix } from '../../naming/did-you-mean.js';
import { BUDGET_PERIODS } from '../../bundle/format.js';
import { UsageError } from '../usage.js';

export function newGatewayKey(): string {
  return 'sk-ar-' + randomBytes(24).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

type Values = Record<string, string | boolean | undefined>;

function positiveInt(values: Values, name: string): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== 'string' || !Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} takes a positive whole number`);
  return n;
}

function modelGlobs(values: Values): string[] {
  return typeof values.models === 'string' ? values.models.split(',').map((m) => m.trim()).filter(Boolean) : ['*'];
}

/** `keys create|list|revoke`: the running gateway's `/api/keys`, with an admin key (--admin-key or ANYROUTER_ADMIN_KEY). */
async function callKeysApi(values: Values, method: string, path: string, body?: unknown): Promise<number> {
  const base = (typeof values.url === 'string' ? values.url : (process.env.ANYROUTER_URL ?? 'http://127.0.0.1:8787')).replace(/\/+$/, '');
  const adminKey = typeof values['admin-key'] === 'string' ? values['admin-key'] : process.env.ANYROUTER_ADMIN_KEY;
  let res: Response;
  try {
    res = await fetch(base + path, { method, headers: { 'content-type': 'application/json', ...(adminKey ? { authorization: `Bearer ${adminKey}` } : {}) }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  } catch (error) {
    process.stderr.write(`anyrouter keys: cannot reach the gateway at ${base} (${(error as Error).message})\n`);
    return 1;
  }
  const answer = (await res.json().catch(() => ({}))) as { error?: { message?: string }; data?: Array<Record<string, unknown>>; key?: string };
  if (!res.ok) {
    process.stderr.write(`anyrouter keys: ${res.status} ${answer.error?.message ?? res.statusText}\n`);
    return 1;
  }
  if (answer.data) {
    for (const k of answer.data) process.stdout.write(`${String(k.name).padEnd(24)} ${String(k.source).padEnd(7)} models ${(k.models as string[]).join(',')}${k.rpm ? `  rpm ${k.rpm}` : ''}${k.tpm ? `  tpm ${k.tpm}` : ''}${k.budget ? `  budget $${(k.budget as { usd: number }).usd}/${(k.budget as { period: string }).period}` : ''}${k.revoked_at ? `  revoked ${k.revoked_at}` : ''}\n`);
  } else if (answer.key) {
    process.stdout.write(`key: ${answer.key}\n`);
    process.stderr.write('The key is shown once; the gateway keeps only its hash.\n');
  } else process.stdout.write(JSON.stringify(answer) + '\n');
  return 0;
}

/** The options only `keys create` reads: `keys new` writes a config line and calls no gateway. */
const CREATE_ONLY_OPTIONS = ['budget-usd', 'budget-period', 'expires', 'url', 'admin-key'];
/** The options that limit a gateway key, which an admin key (`keys new --admin`) does not take. */
const GATEWAY_KEY_OPTIONS = ['models', 'rpm', 'tpm'];

/** A usage error for the first of `names` given, rather than ignoring it silently. */
function refuseOptions(values: Values, names: readonly string[], why: string): void {
  const given = names.find((option) => values[option] !== undefined);
  if (given !== undefined) throw new UsageError(`--${given} ${why}`);
}

export const keysCommand = {
  options: {
    models: { type: 'string' },
    rpm: { type: 'string' },
    tpm: { type: 'string' },
    admin: { type: 'boolean' },
    url: { type: 'string' },
    'admin-key': { type: 'string' },
    'budget-usd': { type: 'string' },
    'budget-period': { type: 'string' },
    expires: { type: 'string' },
  },
  async run(values: Values, positionals: string[]): Promise<number> {
    const [sub, name] = positionals;
    if (sub === 'list') return callKeysApi(values, 'GET', '/api/keys');
    if (sub === 'revoke') {
      if (!name) throw new UsageError('expected: keys revoke NAME');
      return callKeysApi(values, 'DELETE', `/api/keys/${encodeURIComponent(name)}`);
    }
    if (sub === 'create') {
      if (!name) throw new UsageError('expected: keys create NAME');
      const usd = values['budget-usd'] === undefined ? undefined : Number(values['budget-usd']);
      if (usd !== undefined && !(usd > 0)) throw new UsageError('--budget-usd takes a positive amount');
      const period = values['budget-period'];
      if (period !== undefined && usd === undefined) throw new UsageError('--budget-period goes with --budget-usd X');
      if (period !== undefined && (typeof period !== 'string' || !(BUDGET_PERIODS as readonly string[]).includes(period))) {
        throw new UsageError(`--budget-period is one of ${BUDGET_PERIODS.join(', ')}, not '${String(period)}'${didYouMeanSuffix(String(period), BUDGET_PERIODS)}`);
      }
      const rpm = positiveInt(values, 'rpm');
      const tpm = positiveInt(values, 'tpm');
      return callKeysApi(values, 'POST', '/api/keys', {
        name,
        models: modelGlobs(values),
        ...(rpm !== undefined ? { rpm } : {}),
        ...(tpm !== undefined ? { tpm } : {}),
        ...(usd !== undefined ? { budget: { usd, period: typeof period === 'string' ? period : 'month' } } : {}),
        ...(typeof values.expires === 'string' ? { expires_at: values.expires } : {}),
      });
    }
    if (sub !== 'new' || !name) throw new UsageError('expected: keys new NAME, or keys create|list|revoke against a running gateway');
    refuseOptions(values, CREATE_ONLY_OPTIONS, 'belongs to `keys create` (against a running gateway), not `keys new`');
    if (values.admin) refuseOptions(values, GATEWAY_KEY_OPTIONS, 'limits a gateway key: `keys new --admin` makes an admin key, which has no such limit');
    const key = newGatewayKey();
    const parts = [`name: '${name}'`, `sha256: '${hashKey(key)}'`];
    if (!values.admin) {
      parts.push(`models: [${modelGlobs(values).map((m) => `'${m}'`).join(', ')}]`);
      const rpm = positiveInt(values, 'rpm');
      if (rpm !== undefined) parts.push(`rpm: ${rpm}`);
      const tpm = positiveInt(values, 'tpm');
      if (tpm !== undefined) parts.push(`tpm: ${tpm}`);
    }
    process.stdout.write(`key:    ${key}\n`);
    process.stdout.write(`config: auth.${values.admin ? 'adminKeys' : 'gatewayKeys'}: [{ ${parts.join(', ')} }]\n`);
    process.stderr.write('The key is shown once; the config keeps only its hash.\n');
    return 0;
  },
} as const;
