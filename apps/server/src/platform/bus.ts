import { randomUUID } from 'node:crypto';
import type { PlatformLog, RedisPlatform } from './redis.js';

export type BusHandler<T> = (message: T, origin: 'local' | 'remote') => void;

/**
 * Fan-out of messages to every Sightline instance. `publish` hands the message to this instance's
 * handlers at once (synchronously, so local order is the publishing order) and to the other
 * instances' through Redis pub/sub. Delivery to other instances is at most once: a message
 * published while Redis is unreachable is lost, which `onLost` tells subscribers about (they
 * resynchronise from the database).
 */
export interface Bus {
  readonly kind: 'memory' | 'redis';
  /**
   * `remote`, when given, is what the other instances get instead of `message` (a lighter form,
   * when they need less than this instance's handlers).
   */
  publish<T>(channel: string, message: T, remote?: T): void;
  /**
   * Like `publish`, but resolves once Redis took the message: true when every instance subscribed
   * at that moment will get it, false when it could not be sent (Redis unreachable). Never rejects.
   * For a change another instance must see before this one answers its client.
   */
  publishConfirmed<T>(channel: string, message: T): Promise<boolean>;
  /** Resolves once every channel subscribed so far is subscribed in Redis (at once in-process). */
  ready(): Promise<void>;
  subscribe<T>(channel: string, handler: BusHandler<T>): () => void;
  /** Called when messages from other instances may have been missed (the subscription was lost). */
  onLost(handler: () => void): () => void;
  close(): Promise<void>;
}

class Handlers {
  private readonly byChannel = new Map<string, Set<BusHandler<unknown>>>();

  add(channel: string, handler: BusHandler<unknown>): () => void {
    let set = this.byChannel.get(channel);
    if (!set) this.byChannel.set(channel, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  deliver(channel: string, message: unknown, origin: 'local' | 'remote', log: PlatformLog): void {
    for (const handler of this.byChannel.get(channel) ?? []) {
      try {
        handler(message, origin);
      } catch (error) {
        log.warn({ err: error, channel }, 'a bus handler failed');
      }
    }
  }

  channels(): string[] {
    return [...this.byChannel.keys()];
  }
}

/** One instance: messages go to this process's handlers only. */
export class MemoryBus implements Bus {
  readonly kind = 'memory' as const;
  private readonly handlers = new Handlers();

  constructor(private readonly log: PlatformLog) {}

  publish<T>(channel: string, message: T): void {
    this.handlers.deliver(channel, message, 'local', this.log);
  }

  async publishConfirmed<T>(channel: string, message: T): Promise<boolean> {
    this.publish(channel, message);
    return true;
  }

  async ready(): Promise<void> {}

  subscribe<T>(channel: string, handler: BusHandler<T>): () => void {
    return this.handlers.add(channel, handler as BusHandler<unknown>);
  }

  onLost(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {}
}

/** Each instance's heartbeat to itself (see RedisBus), and how often it beats. */
const HEARTBEAT_CHANNEL = 'heartbeat';
const HEARTBEAT_MS = 2000;

interface Envelope {
  /** The publishing instance: it already delivered the message to itself. */
  o: string;
  m: unknown;
}

/** Several instances: Redis pub/sub on `<prefix>bus:<channel>`. */
export class RedisBus implements Bus {
  readonly kind = 'redis' as const;
  /** Tells this instance's own messages apart when Redis echoes them back. */
  private readonly origin = randomUUID();
  private readonly handlers = new Handlers();
  private readonly lostHandlers = new Set<() => void>();
  /** Channels subscribed to, each with the moment Redis confirmed it. */
  private readonly subscribed = new Map<string, Promise<void>>();
  private closed = false;
  private failing = false;
  private readonly offReady: () => void;
  private readonly heartbeat: NodeJS.Timeout;
  /** When this instance last heard its own heartbeat back (Date.now()). */
  private heardAt = Date.now();

  constructor(
    private readonly redis: RedisPlatform,
    private readonly log: PlatformLog,
  ) {
    redis.subscriber.on('message', (channel: string, text: string) => this.received(channel, text));
    // ioredis subscribes again by itself on reconnect; what was published meanwhile is gone.
    this.offReady = redis.onReady(() => {
      for (const handler of this.lostHandlers) handler();
    }, 'subscriber');
    // A subscriber connection can go deaf without closing (a silent peer): this instance publishes
    // a heartbeat to itself, and one that does not come back while publishing works means the
    // subscription is dead; it is started again (and `onLost` tells the handlers).
    this.subscribe(HEARTBEAT_CHANNEL, () => undefined);
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  publish<T>(channel: string, message: T, remote: T = message): void {
    void this.send(channel, message, remote);
  }

  publishConfirmed<T>(channel: string, message: T): Promise<boolean> {
    return this.send(channel, message, message);
  }

  private send(channel: string, message: unknown, remote: unknown): Promise<boolean> {
    this.handlers.deliver(channel, message, 'local', this.log);
    const text = JSON.stringify({ o: this.origin, m: remote } satisfies Envelope);
    return this.redis.client.publish(this.redis.channel(channel), text).then(
      () => {
        if (this.failing) this.log.info({ channel }, 'publishing to other instances works again');
        this.failing = false;
        return true;
      },
      (error: Error) => {
        this.redis.failed(error);
        // Said once per outage; the other instances notice the gap and resynchronise.
        if (!this.failing) this.log.warn({ err: { message: error.message }, channel }, 'could not publish to other instances');
        this.failing = true;
        return false;
      },
    );
  }

  subscribe<T>(channel: string, handler: BusHandler<T>): () => void {
    const off = this.handlers.add(channel, handler as BusHandler<unknown>);
    if (!this.subscribed.has(channel)) {
      // With the offline queue off, a SUBSCRIBE sent while Redis is down fails; ioredis only
      // resubscribes to what it once subscribed, so retry until it took.
      this.subscribed.set(channel, new Promise<void>((resolve) => {
        const attempt = (): void => {
          this.redis.subscriber.subscribe(this.redis.channel(channel)).then(
            () => resolve(),
            () => {
              if (this.closed) return resolve();
              const retry = setTimeout(attempt, 500);
              retry.unref();
            },
          );
        };
        attempt();
      }));
    }
    return off;
  }

  onLost(handler: () => void): () => void {
    this.lostHandlers.add(handler);
    return () => this.lostHandlers.delete(handler);
  }

  /** Resolves once every channel subscribed so far is subscribed in Redis (tests wait for it). */
  async ready(): Promise<void> {
    await Promise.all(this.subscribed.values());
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.heartbeat);
    this.offReady();
    this.lostHandlers.clear();
  }

  private beat(): void {
    const subscriber = this.redis.subscriber;
    if (this.redis.status === 'up' && subscriber.status === 'ready' && Date.now() - this.heardAt > 3 * HEARTBEAT_MS) {
      this.log.warn({}, 'the bus subscription went deaf; subscribing again');
      this.heardAt = Date.now();
      subscriber.disconnect(true);
      return;
    }
    if (subscriber.status !== 'ready') this.heardAt = Date.now(); // reconnecting: nothing to judge yet
    const text = JSON.stringify({ o: this.origin, m: null } satisfies Envelope);
    this.redis.client.publish(this.redis.channel(HEARTBEAT_CHANNEL), text).catch((error: unknown) => this.redis.failed(error));
  }

  private received(redisChannel: string, text: string): void {
    const prefix = this.redis.channel('');
    if (!redisChannel.startsWith(prefix)) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(text) as Envelope;
    } catch {
      return;
    }
    if (envelope.o === this.origin) {
      if (redisChannel === this.redis.channel(HEARTBEAT_CHANNEL)) this.heardAt = Date.now();
      return;
    }
    this.handlers.deliver(redisChannel.slice(prefix.length), envelope.m, 'remote', this.log);
  }
}
