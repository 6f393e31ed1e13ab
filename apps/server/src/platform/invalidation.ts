import type { Bus } from './bus.js';
import type { PlatformLog } from './redis.js';

/**
 * A committed change to something instances keep in memory, announced so that every other instance
 * drops or reloads exactly that: the metric catalog, a source (its PII rules and rollup layout), a
 * user, an API key, the custom roles, or a revoked session (a refresh-token family).
 */
export type Invalidation =
  | { kind: 'catalog'; id: string }
  | { kind: 'source'; id: string }
  | { kind: 'user'; id: string }
  | { kind: 'key'; id: string }
  | { kind: 'roles'; id?: string }
  | { kind: 'session'; id: string };

export type InvalidationKind = Invalidation['kind'];

/** What travels on the bus: a change, or "reload everything" (announcements were lost). */
type Message = Invalidation | { kind: 'everything' };

const CHANNEL = 'invalidate';
/**
 * How often every instance reloads all these caches whatever the bus says: the backstop for a
 * change whose announcement was lost (Redis down, or this instance cut off from it).
 */
export const RESYNC_EVERY_MS = 10_000;
/** How often an instance that could not announce a change tries to tell the others to reload everything. */
const RETRY_MS = 1000;

type Handler<K extends InvalidationKind> = (change: Extract<Invalidation, { kind: K }>) => void | Promise<void>;

/**
 * Cache coherence across instances, over the bus. The instance that makes a change applies it to
 * its own caches itself and then `announce`s it; the other instances' handlers for that kind drop
 * or reload what changed. In-process (MemoryBus) there is no other instance: announcing costs
 * nothing and today's single-instance behaviour is kept.
 *
 * Pub/sub is at most once, so whenever announcements may have been lost every instance reloads
 * everything (`onResync` handlers): when its subscription is (re)established, when an instance
 * that failed to announce reaches Redis again, and every RESYNC_EVERY_MS regardless.
 */
export class Invalidations {
  private readonly handlers = new Map<InvalidationKind, Set<(change: Invalidation) => void | Promise<void>>>();
  private readonly resyncHandlers = new Set<() => void | Promise<void>>();
  private readonly offs: (() => void)[] = [];
  private readonly resyncTimer: NodeJS.Timeout;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly bus: Bus,
    private readonly log: PlatformLog,
    resyncEveryMs = RESYNC_EVERY_MS,
  ) {
    // This instance's own announcements were applied before they were sent: only others' count.
    this.offs.push(
      bus.subscribe<Message>(CHANNEL, (message, origin) => {
        if (origin === 'remote') this.received(message);
      }),
    );
    // Announcements sent while this instance's subscription was down are gone for good.
    this.offs.push(bus.onLost(() => this.resync()));
    this.resyncTimer = setInterval(() => this.resync(), resyncEveryMs);
    this.resyncTimer.unref();
  }

  /**
   * Tells the other instances that `change` committed; call it after the commit and after applying
   * the change to this instance's caches, and await it before answering the client, so that the
   * next request, whichever instance serves it, sees the change. When Redis cannot take it, the
   * instance keeps asking every instance to reload everything until Redis can.
   */
  async announce(change: Invalidation): Promise<void> {
    if (this.bus.kind === 'memory' || this.closed) return;
    if (!(await this.bus.publishConfirmed<Message>(CHANNEL, change))) this.unsent();
  }

  /**
   * Call once every cache has its handlers (the app is built). The caches were loaded before the
   * subscription took, so a change announced in between was missed: once it took, everything is
   * reloaded. (Does not wait: while Redis is down, that is when it comes back.)
   */
  start(): void {
    if (this.bus.kind === 'memory') return;
    void this.bus.ready().then(() => {
      if (!this.closed) this.resync();
    });
  }

  /** Calls `handler` for each change of `kind` made through another instance. */
  on<K extends InvalidationKind>(kind: K, handler: Handler<K>): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    const general = handler as (change: Invalidation) => void | Promise<void>;
    set.add(general);
    return () => set.delete(general);
  }

  /** Calls `handler` whenever announcements may have been missed: reload everything from the database. */
  onResync(handler: () => void | Promise<void>): () => void {
    this.resyncHandlers.add(handler);
    return () => this.resyncHandlers.delete(handler);
  }

  /** Reloads everything on this instance now. */
  resync(): void {
    for (const handler of this.resyncHandlers) this.run(handler, 'resync');
  }

  close(): void {
    this.closed = true;
    clearInterval(this.resyncTimer);
    clearInterval(this.retryTimer);
    for (const off of this.offs) off();
    this.handlers.clear();
    this.resyncHandlers.clear();
  }

  private received(message: Message): void {
    if (message.kind === 'everything') return this.resync();
    for (const handler of this.handlers.get(message.kind) ?? []) this.run(() => handler(message), message.kind);
  }

  /** A change could not be announced: ask everyone to reload everything, as soon as Redis takes it. */
  private unsent(): void {
    if (this.retryTimer || this.closed) return;
    this.retryTimer = setInterval(() => {
      void this.bus.publishConfirmed<Message>(CHANNEL, { kind: 'everything' }).then((sent) => {
        if (!sent || !this.retryTimer) return;
        clearInterval(this.retryTimer);
        this.retryTimer = undefined;
        this.log.info({}, 'told the other instances to reload the changes they may have missed');
      });
    }, RETRY_MS);
    this.retryTimer.unref();
  }

  /** A failed reload is logged, not thrown: the next resync tries again. */
  private run(work: () => void | Promise<void>, what: string): void {
    try {
      const done = work();
      if (done) done.catch((error: unknown) => this.log.warn({ err: { message: (error as Error).message }, what }, 'a cache could not be reloaded; retrying at the next resync'));
    } catch (error) {
      this.log.warn({ err: { message: (error as Error).message }, what }, 'a cache could not be reloaded; retrying at the next resync');
    }
  }
}
