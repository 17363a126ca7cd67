import { createHash, randomBytes } from 'node:crypto';
import { UsageError } from '../usage.js';

export function newGatewayKey(): string {
  return 'sk-ar-' + randomBytes(24).toString('base64url');
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export const keysCommand = {
  options: { models: { type: 'string' }, rpm: { type: 'string' }, admin: { type: 'boolean' } },
  async run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number> {
    const [sub, name] = positionals;
    if (sub !== 'new' || !name) throw new UsageError('expected: keys new NAME');
    const key = newGatewayKey();
    const parts = [`name: '${name}'`, `sha256: '${hashKey(key)}'`];
    if (!values.admin) {
      const models = typeof values.models === 'string' ? values.models.split(',').map((m) => m.trim()).filter(Boolean) : ['*'];
      parts.push(`models: [${models.map((m) => `'${m}'`).join(', ')}]`);
      if (typeof values.rpm === 'string') {
        const rpm = Number(values.rpm);
        if (!Number.isInteger(rpm) || rpm <= 0) throw new UsageError('--rpm takes a positive whole number');
        parts.push(`rpm: ${rpm}`);
      }
    }
    process.stdout.write(`key:    ${key}\n`);
    process.stdout.write(`config: auth.${values.admin ? 'adminKeys' : 'gatewayKeys'}: [{ ${parts.join(', ')} }]\n`);
    process.stderr.write('The key is shown once; the config keeps only its hash.\n');
    return 0;
  },
} as const;
