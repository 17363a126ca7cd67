/**
 * Shared state in Redis (ioredis): marks and prompt-cache sticky entries are written as keys that expire
 * with them (so an instance that starts or reconnects reads what is in force) and published on a channel
 * each (so every instance learns of a 429, a 5xx or a conversation's upstream within milliseconds);
 * gateway-key request counts are one atomic INCR-and-expire per request; cached answers are keys with the
 * answer's TTL, read with one GET by the requests that opted in. Budget spend and tpm tokens are counters
 * (INCRBYFLOAT, INCRBY); the totals their replies give go out on `<prefix>totals`, so every instance's view
 * of a budget or tpm window is current without reading Redis per request.
 * Redis down: commands fail at once (no offline queue), the gateway serves on its local view, and the
 * marks it made meanwhile are pushed back when Redis returns; the counters in force are read then too. Redis
 * connected but stalled (overloaded, paused, a half-open connection): every command fails after
 * `commandTimeoutMs`, so no request waits on Redis longer than that (a cache lookup misses, a limit's count goes
 * by `onError`).
 */
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS } from '../../bundle/format.js';
import { isCounterBatch, isStickyEvent, RPM_WINDOW_MS, type CounterBatch, type CounterKind, type MarkEvent, type SharedState, type StatsBatch, type StickyEvent } from './shared-state.js';

export interface RedisStateOptions {
  url: string;
  prefix: string;
  /** How long a command may wait for its reply before it fails (ioredis `commandTimeout`, on the commands connection); default DEFAULT_REDIS_COMMAND_TIMEOUT_MS. */
  commandTimeoutMs?: number;
  /** One line when the backend goes down or comes back (or first fails to answer in time). */
  log: (line: string) => void;
}

/**
 * INCRBY a window counter by the tokens asked for (expiring it with its window), and grant what is left
 * under the limit: one round trip, atomic, and the sum of grants never passes the limit.
 */
const TAKE_SCRIPT = `local asked = tonumber(ARGV[1])
local n = redis.call('INCRBY', KEYS[1], asked)
if n == asked then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
local over = n - tonumber(ARGV[2])
if over <= 0 then return asked end
if over >= asked then return 0 end
return asked - over`;

/** INCRBY a window's token count, expiring it with its window; the total after it. */
const ADD_SCRIPT = `local n = redis.call('INCRBY', KEYS[1], ARGV[1]) if n == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return n`;

/** A message's JSON to `handler` when `guard` takes it; anything else on the channel is not ours. */
function deliverParsed<T>(text: string, guard: (value: unknown) => value is T, handler: ((value: T) => void) | undefined): void {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return;
  }
  if (guard(value)) handler?.(value);
}

export class RedisState implements SharedState {
  readonly name = 'redis';
  private readonly client: Redis;
  private readonly subscriber: Redis;
  private readonly channel: string;
  private readonly statsChannel: string;
  private handler: ((event: MarkEvent) => void) | undefined;
  private statsHandler: ((batch: StatsBatch) => void) | undefined;
  private noticeHandler: ((notice: 'keys') => void) | undefined;
  private readonly noticeChannel: string;
  private readonly stickyChannel: string;
  private stickyHandler: ((event: StickyEvent) => void) | undefined;
  private readonly totalsChannel: string;
  private totalsHandler: ((batch: CounterBatch) => void) | undefined;
  private localMarks: () => MarkEvent[] = () => [];
  private localSticky: () => StickyEvent[] = () => [];
  private announcedDown = false;
  private announcedSlow = false;
  private readonly commandTimeoutMs: number;
  private closed = false;

  constructor(private readonly options: RedisStateOptions) {
    const common = { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: 2_000, retryStrategy: (times: number) => Math.min(100 * times, 1_000) };
    this.commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS;
    // requests wait on this connection's commands; the subscriber only waits for messages, which a timeout would not bound
    this.client = new Redis(options.url, { ...common, commandTimeout: this.commandTimeoutMs });
    this.subscriber = new Redis(options.url, common);
    this.channel = `${options.prefix}marks`;
    this.statsChannel = `${options.prefix}stats`;
    this.noticeChannel = `${options.prefix}notices`;
    this.stickyChannel = `${options.prefix}sticky`;
    this.totalsChannel = `${options.prefix}totals`;
    this.client.defineCommand('anyrouterTake', { numberOfKeys: 1, lua: TAKE_SCRIPT });
    this.client.defineCommand('anyrouterAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
    for (const connection of [this.client, this.subscriber]) connection.on('error', () => this.noteDown());
    this.client.on('ready', () => void this.resync());
    this.subscriber.on('ready', () => void this.subscriber.subscribe(this.channel, this.statsChannel, this.noticeChannel, this.stickyChannel, this.totalsChannel).catch((error: unknown) => this.noteFailure(error)));
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.statsChannel) this.deliverStats(text);
      else if (channel === this.stickyChannel) this.deliverSticky(text);
      else if (channel === this.totalsChannel) this.deliverTotals(text);
      else if (channel === this.noticeChannel) {
        if (text === 'keys') this.noticeHandler?.('keys');
      } else this.deliver(text);
    });
  }

  /** Connects both connections; resolves either way (a gateway starts while Redis is down). */
  async start(): Promise<void> {
    await Promise.allSettled([this.client.connect(), this.subscriber.connect()]);
  }

  get up(): boolean {
    return this.client.status === 'ready' && this.subscriber.status === 'ready';
  }

  onMark(handler: (event: MarkEvent) => void): void {
    this.handler = handler;
  }

  publishStats(batch: StatsBatch): void {
    if (this.client.status === 'ready') this.client.publish(this.statsChannel, JSON.stringify(batch)).catch((error: unknown) => this.noteFailure(error));
  }

  onStats(handler: (batch: StatsBatch) => void): void {
    this.statsHandler = handler;
  }

  publishNotice(notice: 'keys'): void {
    if (this.client.status === 'ready') this.client.publish(this.noticeChannel, notice).catch((error: unknown) => this.noteFailure(error));
  }

  onNotice(handler: (notice: 'keys') => void): void {
    this.noticeHandler = handler;
  }

  private deliverStats(text: string): void {
    try {
      this.statsHandler?.(JSON.parse(text) as StatsBatch);
    } catch {
      // not ours
    }
  }

  publishTotals(batch: CounterBatch): void {
    if (this.client.status === 'ready') this.client.publish(this.totalsChannel, JSON.stringify(batch)).catch((error: unknown) => this.noteFailure(error));
  }

  onTotals(handler: (batch: CounterBatch) => void): void {
    this.totalsHandler = handler;
  }

  private deliverTotals(text: string): void {
    deliverParsed(text, isCounterBatch, this.totalsHandler);
  }

  /** The spend and tpm counters in force (`spend:<id>:<period start>`, `tpm:<key>:<minute>`), as one batch. */
  private async readCounters(): Promise<CounterBatch> {
    const totals: CounterBatch['totals'] = [];
    for (const [kind, name] of [[0, 'spend'], [1, 'tpm']] as Array<[CounterKind, string]>) {
      const head = `${this.options.prefix}${name}:`;
      await this.scanValues(`${name}:*`, (text, key) => {
        const rest = key.slice(head.length);
        const cut = rest.lastIndexOf(':');
        const period = Number(rest.slice(cut + 1));
        const total = Number(text);
        if (cut > 0 && Number.isFinite(period) && Number.isFinite(total)) totals.push([kind, rest.slice(0, cut), period, total]);
      });
    }
    return { origin: 'redis', totals, resync: true };
  }

  publishSticky(event: StickyEvent): void {
    this.setAndPublish(`${this.options.prefix}sticky:${event.key}`, this.stickyChannel, event);
  }

  onSticky(handler: (event: StickyEvent) => void): void {
    this.stickyHandler = handler;
  }

  setLocalSticky(read: () => StickyEvent[]): void {
    this.localSticky = read;
  }

  private deliverSticky(text: string): void {
    deliverParsed(text, isStickyEvent, this.stickyHandler);
  }

  async readAnswer(key: string): Promise<Buffer | null | undefined> {
    if (this.client.status !== 'ready') return undefined;
    try {
      return await this.client.getBuffer(`${this.options.prefix}cache:${key}`);
    } catch (error) {
      this.noteFailure(error);
      return undefined;
    }
  }

  async storeAnswer(key: string, bytes: Buffer, ttlMs: number): Promise<boolean> {
    if (this.client.status !== 'ready') return false;
    try {
      await this.client.set(`${this.options.prefix}cache:${key}`, bytes, 'PX', Math.max(1, Math.ceil(ttlMs)));
      return true;
    } catch (error) {
      this.noteFailure(error);
      return false;
    }
  }

  setLocalMarks(read: () => MarkEvent[]): void {
    this.localMarks = read;
  }

  publishMark(event: MarkEvent): void {
    this.setAndPublish(this.markKey(event), this.channel, event);
  }

  /** An event in force until `event.until`: a key that expires with it (read on resync) and a publish on `channel`, in one round trip. */
  private setAndPublish(key: string, channel: string, event: { until: number }): void {
    if (this.client.status !== 'ready') return;
    const ttl = Math.ceil(event.until - Date.now());
    if (ttl <= 0) return;
    const text = JSON.stringify(event);
    this.client.multi().set(key, text, 'PX', ttl).publish(channel, text).exec().catch((error: unknown) => this.noteFailure(error));
  }

  async takeTokens(key: string, tokens: number, limit: number, now: number): Promise<number | undefined> {
    if (this.client.status !== 'ready') return undefined;
    const window = Math.floor(now / RPM_WINDOW_MS);
    try {
      const take = (this.client as Redis & { anyrouterTake(key: string, tokens: number, limit: number, ttl: number): Promise<number> }).anyrouterTake;
      return Number(await take.call(this.client, `${this.options.prefix}rpm:${key}:${window}`, tokens, limit, RPM_WINDOW_MS + 1_000));
    } catch (error) {
      this.noteFailure(error);
      return undefined;
    }
  }

  async addTokens(key: string, tokens: number, now: number): Promise<number | undefined> {
    if (this.client.status !== 'ready') return undefined;
    const window = Math.floor(now / RPM_WINDOW_MS);
    try {
      const add = (this.client as Redis & { anyrouterAdd(key: string, tokens: number, ttl: number): Promise<number> }).anyrouterAdd;
      return Number(await add.call(this.client, `${this.options.prefix}tpm:${key}:${window}`, Math.round(tokens), RPM_WINDOW_MS + 1_000));
    } catch (error) {
      this.noteFailure(error);
      return undefined;
    }
  }

  async addSpend(id: string, periodStart: number, usd: number): Promise<number | undefined> {
    if (this.client.status !== 'ready') return undefined;
    try {
      const key = `${this.options.prefix}spend:${id}:${periodStart}`;
      // a period's count outlives it by a few days (a month is the longest); a total budget's never expires
      const steps = this.client.multi().incrbyfloat(key, usd);
      if (periodStart > 0) steps.pexpire(key, 40 * 86_400_000);
      const [[, total]] = (await steps.exec()) as [[Error | null, string]];
      return Number(total);
    } catch (error) {
      this.noteFailure(error);
      return undefined;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.disconnect();
    this.subscriber.disconnect();
  }

  private markKey(event: Pick<MarkEvent, 'kind' | 'id'>): string {
    return `${this.options.prefix}mark:${event.kind}:${event.id}`;
  }

  private deliver(text: string): void {
    let event: MarkEvent;
    try {
      event = JSON.parse(text) as MarkEvent;
    } catch {
      return;
    }
    if ((event.kind === 'upstream' || event.kind === 'key') && typeof event.id === 'string' && typeof event.until === 'number') this.handler?.(event);
  }

  /** Every value under `prefix` + `pattern` (with its key), in batches, to `deliver`. */
  private async scanValues(pattern: string, deliver: (text: string, key: string) => void): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await this.client.scan(cursor, 'MATCH', `${this.options.prefix}${pattern}`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) {
        const values = await this.client.mget(...keys);
        values.forEach((text, i) => {
          if (text !== null) deliver(text, keys[i]!);
        });
      }
    } while (cursor !== '0');
  }

  /**
   * (Re)connected: read the marks, sticky entries and counters in force, then push the marks and entries this
   * instance made while Redis was away (its counts come back through the totals handler, which re-adds them).
   */
  private async resync(): Promise<void> {
    this.announcedSlow = false;
    if (this.announcedDown) {
      this.options.log('anyrouter: state backend (redis) is back: sharing health and limits again');
      this.announcedDown = false;
    }
    try {
      await this.scanValues('mark:*', (text) => this.deliver(text));
      await this.scanValues('sticky:*', (text) => this.deliverSticky(text));
      if (this.totalsHandler) this.totalsHandler(await this.readCounters());
      for (const event of this.localMarks()) this.publishMark(event);
      for (const event of this.localSticky()) this.publishSticky(event);
    } catch (error) {
      this.noteFailure(error);
    }
  }

  /** A command failed: Redis is down, or (a command timeout) connected but not answering in time. */
  private noteFailure(error: unknown): void {
    if (!(error instanceof Error && error.message === 'Command timed out')) return this.noteDown();
    if (this.closed || this.announcedSlow) return;
    this.announcedSlow = true;
    this.options.log(`anyrouter: state backend (redis) did not answer within ${this.commandTimeoutMs} ms (state.redis.commandTimeoutMs): requests go on without it (a cache miss, limits by onError) while it is slow`);
  }

  private noteDown(): void {
    if (this.closed || this.announcedDown) return;
    this.announcedDown = true;
    this.options.log('anyrouter: state backend (redis) is unreachable: serving on local health and limits until it is back');
  }
}
