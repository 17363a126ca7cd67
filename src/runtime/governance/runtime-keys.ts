/**
 * The gateway keys created at run time: the store, the set in force (applied to the gateway's auth and
 * budgets), and how a change reaches the other workers and replicas: a notice on the shared state at once,
 * and a reread of the store every few seconds for replicas that share only the database.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { KeyPatch, KeyStore, RuntimeKey } from './key-store.js';

const REREAD_MS = 3_000;

export class RuntimeKeys {
  keys: RuntimeKey[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: KeyStore,
    /** Puts a key set in force (auth, budgets). */
    private readonly apply: (keys: readonly RuntimeKey[]) => void,
    /** Tells the other instances to reread (absent: nothing shared). */
    private readonly notify?: () => void,
  ) {}

  /** Reads the store and applies what it holds. */
  async refresh(): Promise<void> {
    this.keys = await this.store.list();
    this.apply(this.keys);
  }

  startRereading(): void {
    this.timer = setInterval(() => void this.refresh().catch(() => undefined), REREAD_MS);
    this.timer.unref();
  }

  /** Creates a key: its plaintext, answered once (only its sha256 is stored); undefined when the name is taken. */
  async create(spec: Omit<RuntimeKey, 'sha256' | 'createdAt' | 'revokedAt'>, now: number): Promise<{ key: RuntimeKey; plaintext: string } | undefined> {
    const plaintext = `sk-ar-${randomBytes(24).toString('base64url')}`;
    const key: RuntimeKey = { ...spec, sha256: createHash('sha256').update(plaintext).digest('hex'), createdAt: now };
    if (!(await this.store.insert(key))) return undefined;
    await this.changed();
    return { key, plaintext };
  }

  async update(name: string, patch: KeyPatch): Promise<RuntimeKey | undefined> {
    const key = await this.store.update(name, patch);
    if (key) await this.changed();
    return key;
  }

  async revoke(name: string, now: number): Promise<boolean> {
    const revoked = await this.store.revoke(name, now);
    if (revoked) await this.changed();
    return revoked;
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.store.close();
  }

  private async changed(): Promise<void> {
    await this.refresh();
    this.notify?.();
  }
}
