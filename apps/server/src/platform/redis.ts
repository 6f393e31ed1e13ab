import type { RedisOptions as BullRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';

/** Logs what goes wrong with the connection (Fastify's logger fits). */
export interface PlatformLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export type RedisHealth = 'up' | 'down';

/**
 * Reconnect with backoff, forever: 50 ms, 100 ms, … up to 2 s between attempts. Sightline keeps
 * working without Redis meanwhile (everything that uses it has a fallback) and recovers on its own.
 */
function retryDelay(attempt: number): number {
  return Math.min(2000, 50 * 2 ** Math.min(attempt, 6));
}

/** How long a connection may sit connected without becoming ready before it starts again. */
const STUCK_MS = 5000;

/**
 * Options shared by every connection. A command must fail at once when Redis is down rather than
 * wait in an offline queue: a query would otherwise hang on its cache lookup and ingest on its
 * invalidation, while the database that can answer them is fine.
 */
function baseOptions(): RedisOptions {
  return {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A Redis that stops answering without closing (a dead peer, a pulled cable) must not hold a
    // query or an ingest either: after this long the command fails and Sightline goes without it.
    commandTimeout: 1000,
    connectTimeout: 2000,
    keepAlive: 10_000,
    retryStrategy: retryDelay,
    // A Redis that restarted forgets our scripts; ioredis reloads them (defineCommand) by itself.
    lazyConnect: false,
  };
}

/**
 * The Redis connection of one Sightline process: a command connection shared by the cache, the rate
 * limits and the bus's publishing side, a dedicated connection for the bus's subscriptions, and the
 * options BullMQ needs for its own. Every key and channel starts with `prefix` (added by `key()` and
 * `channel()`, not by ioredis's keyPrefix: SCAN patterns and BullMQ would not get it).
 */
export class RedisPlatform {
  readonly client: Redis;
  private readonly subscriberClient: Redis;
  private readonly readyListeners = new Set<() => void>();
  private readonly subscriberReadyListeners = new Set<() => void>();
  private readonly downListeners = new Set<() => void>();
  private health: RedisHealth = 'down';
  private closed = false;
  private readonly watchdog: NodeJS.Timeout;
  /** Since when each connection has sat connected but not ready (its ready check unanswered). */
  private readonly stuckSince = new Map<Redis, number>();

  constructor(
    readonly url: string,
    readonly prefix: string,
    private readonly log: PlatformLog,
  ) {
    this.client = new Redis(url, { ...baseOptions(), connectionName: 'sightline' });
    this.subscriberClient = new Redis(url, { ...baseOptions(), connectionName: 'sightline-bus' });
    this.watch(this.client, true);
    this.watch(this.subscriberClient, false);
    // A connection whose TCP handshake went through but whose ready check is never answered (a
    // peer that went silent) would wait for ever: after STUCK_MS it is made to reconnect.
    this.watchdog = setInterval(() => {
      const now = Date.now();
      for (const connection of [this.client, this.subscriberClient]) {
        if (connection.status !== 'connect') {
          this.stuckSince.delete(connection);
          continue;
        }
        const since = this.stuckSince.get(connection) ?? now;
        this.stuckSince.set(connection, since);
        if (now - since >= STUCK_MS) {
          this.stuckSince.delete(connection);
          connection.disconnect(true);
        }
      }
    }, 1000);
    this.watchdog.unref();
  }

  /**
   * Told of a command that failed. A timeout means Redis stopped answering while the connection
   * looks open: reconnect at once, so that everything else sees it down and goes without it
   * (instead of each command waiting out its own timeout).
   */
  failed(error: unknown): void {
    if (this.closed || !(error instanceof Error) || !/timed out/i.test(error.message)) return;
    if (this.client.status !== 'ready') return;
    this.log.warn({ err: { message: error.message } }, 'redis stopped answering; reconnecting');
    this.client.disconnect(true);
  }

  /** The connection for SUBSCRIBE (a subscribed connection can send nothing else). */
  get subscriber(): Redis {
    return this.subscriberClient;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  channel(name: string): string {
    return `${this.prefix}bus:${name}`;
  }

  /** Whether commands can be sent now (the command connection is ready). */
  get status(): RedisHealth {
    return this.health;
  }

  /**
   * Calls `listener` each time a connection becomes ready again after a loss (not the first time):
   * the command connection, or the subscriber (whose messages of meanwhile are lost for good).
   */
  onReady(listener: () => void, connection: 'commands' | 'subscriber' = 'commands'): () => void {
    const set = connection === 'commands' ? this.readyListeners : this.subscriberReadyListeners;
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Calls `listener` each time the command connection is lost. */
  onDown(listener: () => void): () => void {
    this.downListeners.add(listener);
    return () => this.downListeners.delete(listener);
  }

  /** Round trip to Redis, bounded by `timeoutMs`: what /ready reports. */
  async ping(timeoutMs = 1000): Promise<RedisHealth> {
    if (this.client.status !== 'ready') return 'down';
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'down'>((resolve) => (timer = setTimeout(() => resolve('down'), timeoutMs)));
    try {
      return await Promise.race([this.client.ping().then(() => 'up' as const, () => 'down' as const), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Connection options for BullMQ, which opens its own connections and prefixes its own keys.
   * Its workers block on Redis and must wait out an outage instead of failing (BullMQ requires
   * maxRetriesPerRequest: null for them).
   */
  bullConnection(): BullRedisOptions {
    const parsed = new URL(this.url);
    const db = parsed.pathname.replace(/^\//, '');
    return {
      host: parsed.hostname || '127.0.0.1',
      port: parsed.port === '' ? 6379 : Number(parsed.port),
      ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
      ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
      ...(db !== '' && /^\d+$/.test(db) ? { db: Number(db) } : {}),
      ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
      maxRetriesPerRequest: null,
      enableOfflineQueue: true,
      connectTimeout: 2000,
      retryStrategy: retryDelay,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.watchdog);
    await Promise.all([this.subscriberClient, this.client].map((c) => c.quit().catch(() => c.disconnect())));
  }

  private watch(connection: Redis, commands: boolean): void {
    let seenReady = false;
    let down = false;
    connection.on('ready', () => {
      if (commands) this.health = 'up';
      if (down) this.log.info({ connection: connection.options.connectionName }, 'redis connection is back');
      down = false;
      if (seenReady) for (const listener of commands ? this.readyListeners : this.subscriberReadyListeners) listener();
      seenReady = true;
    });
    // ioredis emits 'error' on every failed attempt; say it once per outage, not twice a second.
    connection.on('error', (error: Error) => {
      if (down || this.closed) return;
      down = true;
      this.log.warn({ err: { message: error.message }, connection: connection.options.connectionName }, 'redis connection failed; retrying in the background');
    });
    connection.on('close', () => {
      if (commands && this.health === 'up') {
        this.health = 'down';
        for (const listener of this.downListeners) listener();
      }
      if (!down && !this.closed) {
        down = true;
        this.log.warn({ connection: connection.options.connectionName }, 'redis connection lost; retrying in the background');
      }
    });
  }
}
