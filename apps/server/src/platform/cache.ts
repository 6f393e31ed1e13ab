import type { PlatformLog, RedisPlatform } from './redis.js';

/** What a cached answer was computed from: its sources and time range (`to` may be +Infinity). */
export interface CacheScope {
  sources: readonly string[];
  from: number;
  /** Exclusive end; +Infinity for a range that ends "now" (it takes in whatever lands later). */
  to: number;
}

/** Where new events landed: per source, the earliest and latest event time of a batch. */
export type Landed = ReadonlyMap<string, { min: number; max: number }>;

/**
 * What `lookup` saw of the scope's sources: `store` refuses to keep an answer when events landed
 * in them since, because the answer, computed meanwhile, may lack those events.
 */
export type CacheTicket = string;

export interface Lookup {
  /** The cached value on a hit. */
  value: string | undefined;
  /** Pass to `store` after computing the answer; undefined: do not store (the cache is bypassed). */
  ticket: CacheTicket | undefined;
}

/**
 * Query answers by key, dropped when events land in their scope. Two implementations: in-process
 * (one instance) and Redis (shared by every instance, so an event ingested anywhere invalidates
 * everywhere). Neither ever fails a query: an error is a miss.
 */
export interface ResultCache {
  readonly kind: 'memory' | 'redis';
  lookup(key: string, scope: CacheScope): Promise<Lookup>;
  store(key: string, value: string, scope: CacheScope, ttlSeconds: number, ticket: CacheTicket): Promise<void>;
  /** Drops every entry whose scope overlaps where events landed (or were deleted). */
  invalidate(landed: Landed): Promise<void>;
  /** Drops everything (events deleted across sources and times: an erasure). */
  clear(): Promise<void>;
  close(): void;
}

/** Answers larger than this are not cached: they would crowd out many small ones. */
export const MAX_CACHED_BYTES = 1024 * 1024;

function overlaps(scope: CacheScope, source: string, span: { min: number; max: number }): boolean {
  return scope.sources.includes(source) && span.max >= scope.from && span.min < scope.to;
}

interface MemoryEntry {
  value: string;
  expiresAt: number;
  scope: CacheScope;
}

/** A bounded LRU in this process (a Map keeps insertion order: the first key is the least recent). */
export class MemoryResultCache implements ResultCache {
  readonly kind = 'memory' as const;
  private readonly entries = new Map<string, MemoryEntry>();
  /** Bumped per source whenever events land in it (see CacheTicket). */
  private readonly generations = new Map<string, number>();

  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  async lookup(key: string, scope: CacheScope): Promise<Lookup> {
    const ticket = this.ticketOf(scope);
    const entry = this.entries.get(key);
    if (!entry) return { value: undefined, ticket };
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) return { value: undefined, ticket };
    this.entries.set(key, entry); // most recently used
    return { value: entry.value, ticket };
  }

  async store(key: string, value: string, scope: CacheScope, ttlSeconds: number, ticket: CacheTicket): Promise<void> {
    if (this.maxEntries === 0 || ttlSeconds <= 0 || value.length > MAX_CACHED_BYTES) return;
    if (ticket !== this.ticketOf(scope)) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: this.now() + ttlSeconds * 1000, scope });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  async invalidate(landed: Landed): Promise<void> {
    for (const source of landed.keys()) this.generations.set(source, (this.generations.get(source) ?? 0) + 1);
    for (const [key, entry] of this.entries) {
      for (const [source, span] of landed) {
        if (overlaps(entry.scope, source, span)) {
          this.entries.delete(key);
          break;
        }
      }
    }
  }

  async clear(): Promise<void> {
    // The global generation ('' is no source name): answers being computed meanwhile are not kept.
    this.generations.set('', (this.generations.get('') ?? 0) + 1);
    this.entries.clear();
  }

  close(): void {
    this.entries.clear();
  }

  private ticketOf(scope: CacheScope): CacheTicket {
    return [this.generations.get('') ?? 0, ...scope.sources.map((s) => this.generations.get(s) ?? 0)].join(',');
  }
}

// Redis layout, under the prefix: `cache:e:<key>` the answer (with its TTL); `cache:i:<source>` a
// sorted set indexing the entries that read the source (score: the scope's end, member:
// `<from>|<key>`); `cache:g:<source>` the source's generation, `cache:g:` the global one.

/** KEYS: the generations (global first, then one per source). Returns the value (or false) and the generations. */
const LOOKUP_SCRIPT = `
local gens = redis.call('MGET', unpack(KEYS))
return {redis.call('GET', ARGV[1]), gens}`;

/**
 * KEYS: the entry, then the generations (global, then per source), then the indexes (per source).
 * ARGV: value, ttl seconds, the ticket's generations (as many as KEYS' generations), `<from>|<key>`,
 * the scope's end (a score; "+inf" for none), the index TTL, the entry key prefix. Stores only
 * when no generation moved since the lookup.
 */
const STORE_SCRIPT = `
local n = (#KEYS - 2) / 2
local gens = redis.call('MGET', unpack(KEYS, 2, n + 2))
for i = 1, n + 1 do
  if (gens[i] or '0') ~= ARGV[2 + i] then return 0 end
end
local member, ends, indexTtl, entryPrefix = ARGV[n + 4], ARGV[n + 5], ARGV[n + 6], ARGV[n + 7]
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
for i = n + 3, #KEYS do
  redis.call('ZADD', KEYS[i], ends, member)
  -- The index must outlive every entry it lists (else an entry would escape invalidation).
  if redis.call('TTL', KEYS[i]) < tonumber(indexTtl) then redis.call('EXPIRE', KEYS[i], indexTtl) end
  -- Amortised cleanup: members whose entry expired on its own.
  for _, m in ipairs(redis.call('ZRANDMEMBER', KEYS[i], 4)) do
    if redis.call('EXISTS', entryPrefix .. string.match(m, '|(.*)$')) == 0 then redis.call('ZREM', KEYS[i], m) end
  end
end
return 1`;

/**
 * KEYS: per landed source its index then its generation. ARGV: the entry key prefix, then per
 * source min and max. Bumps each generation and drops the entries whose range overlaps.
 */
const INVALIDATE_SCRIPT = `
local dropped = 0
for i = 1, #KEYS / 2 do
  local index, gen = KEYS[2 * i - 1], KEYS[2 * i]
  local min, max = tonumber(ARGV[2 * i]), tonumber(ARGV[2 * i + 1])
  redis.call('INCR', gen)
  redis.call('EXPIRE', gen, 2592000)
  for _, m in ipairs(redis.call('ZRANGEBYSCORE', index, '(' .. ARGV[2 * i], '+inf')) do
    local from, key = string.match(m, '^([^|]*)|(.*)$')
    if tonumber(from) <= max then
      redis.call('DEL', ARGV[1] .. key)
      redis.call('ZREM', index, m)
      dropped = dropped + 1
    end
  end
end
return dropped`;

/**
 * The cache in Redis, shared by every instance. When Redis is unreachable it is bypassed (every
 * lookup a miss that is not stored). An invalidation that could not be sent leaves entries that
 * may be stale: until the whole cache has been dropped (at once when Redis answers again), it stays
 * bypassed. So it does when an instance starts, until it has dropped the cache once.
 */
export class RedisResultCache implements ResultCache {
  readonly kind = 'redis' as const;
  /**
   * True from the start: while no instance ran, events may have changed without invalidations (a
   * restore, a migration, an instance that died mid-outage), so an instance drops the shared cache
   * once when it starts. A rolling restart costs the cache's contents, never a stale answer.
   */
  private mustFlush = true;
  private flushing: Promise<void> | undefined;
  private readonly stopWatching: () => void;

  constructor(
    private readonly redis: RedisPlatform,
    private readonly log: PlatformLog,
  ) {
    // An outage may have eaten invalidations of other instances too (they could not send them
    // either): drop the cache when the connection comes back, whoever lost what.
    const offDown = redis.onDown(() => (this.mustFlush = true));
    const offReady = redis.onReady(() => void this.flush());
    redis.client.once('ready', () => void this.flush());
    this.stopWatching = () => {
      offDown();
      offReady();
    };
  }

  private get usable(): boolean {
    if (this.redis.status !== 'up') return false;
    if (this.mustFlush) {
      void this.flush();
      return false;
    }
    return true;
  }

  async lookup(key: string, scope: CacheScope): Promise<Lookup> {
    if (!this.usable) return { value: undefined, ticket: undefined };
    try {
      const [value, gens] = (await this.redis.client.eval(LOOKUP_SCRIPT, 1 + scope.sources.length, ...this.genKeys(scope.sources), this.entryKey(key))) as [string | null, (string | null)[]];
      return { value: value ?? undefined, ticket: gens.map((g) => g ?? '0').join(',') };
    } catch (error) {
      this.redis.failed(error);
      this.log.warn({ err: { message: (error as Error).message } }, 'query cache lookup failed; answering from the database');
      return { value: undefined, ticket: undefined };
    }
  }

  async store(key: string, value: string, scope: CacheScope, ttlSeconds: number, ticket: CacheTicket): Promise<void> {
    if (ttlSeconds <= 0 || value.length > MAX_CACHED_BYTES || !this.usable) return;
    const ends = scope.to === Number.POSITIVE_INFINITY ? '+inf' : String(scope.to);
    const indexTtl = Math.max(ttlSeconds + 60, 3600);
    try {
      await this.redis.client.eval(
        STORE_SCRIPT,
        2 + 2 * scope.sources.length,
        this.entryKey(key), ...this.genKeys(scope.sources), ...scope.sources.map((s) => this.redis.key(`cache:i:${s}`)),
        value, String(ttlSeconds), ...ticket.split(','), `${scope.from}|${key}`, ends, String(indexTtl), this.redis.key('cache:e:'),
      );
    } catch (error) {
      this.redis.failed(error);
      this.log.warn({ err: { message: (error as Error).message } }, 'query cache store failed');
    }
  }

  async invalidate(landed: Landed): Promise<void> {
    if (landed.size === 0) return;
    if (this.redis.status !== 'up') {
      this.mustFlush = true;
      return;
    }
    const keys: string[] = [];
    const args: string[] = [this.redis.key('cache:e:')];
    for (const [source, span] of landed) {
      keys.push(this.redis.key(`cache:i:${source}`), this.redis.key(`cache:g:${source}`));
      args.push(String(span.min), String(span.max));
    }
    try {
      await this.redis.client.eval(INVALIDATE_SCRIPT, keys.length, ...keys, ...args);
    } catch (error) {
      this.mustFlush = true;
      this.redis.failed(error);
      this.log.warn({ err: { message: (error as Error).message } }, 'query cache invalidation failed; the cache is bypassed until it can be dropped');
    }
  }

  async clear(): Promise<void> {
    this.mustFlush = true;
    // A drop already under way began before the deletion that asks for this one: drop again after it.
    if (this.flushing) await this.flushing;
    this.mustFlush = true;
    await this.flush();
  }

  close(): void {
    this.stopWatching();
  }

  /** Deletes every cache key under the prefix (SCAN + UNLINK; never FLUSHDB: Redis may be shared). */
  private flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.redis.status !== 'up') return Promise.resolve();
    this.flushing = (async () => {
      try {
        const client = this.redis.client;
        // The global generation first: a store racing the deletion then fails its ticket check.
        await client.incr(this.redis.key('cache:g:'));
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${escapeGlob(this.redis.key('cache:'))}[ei]:*`, 'COUNT', 500);
          cursor = next;
          if (keys.length > 0) await client.unlink(...keys);
        } while (cursor !== '0');
        this.mustFlush = false;
        this.log.info({}, 'query cache dropped');
      } catch (error) {
        this.redis.failed(error);
        this.log.warn({ err: { message: (error as Error).message } }, 'query cache could not be dropped yet; still bypassed');
      } finally {
        this.flushing = undefined;
      }
    })();
    return this.flushing;
  }

  private entryKey(key: string): string {
    return this.redis.key(`cache:e:${key}`);
  }

  private genKeys(sources: readonly string[]): string[] {
    return [this.redis.key('cache:g:'), ...sources.map((s) => this.redis.key(`cache:g:${s}`))];
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
