import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { memoryCounters, type CounterFactory } from '../features/security/rate-limiter.js';
import { MemoryBus, RedisBus, type Bus } from './bus.js';
import { MemoryResultCache, RedisResultCache, type ResultCache } from './cache.js';
import { Invalidations } from './invalidation.js';
import { MemoryJobQueue, RedisJobQueue, type JobOutcome, type JobQueue } from './jobs.js';
import { redisCounters } from './rate-limits.js';
import { RedisPlatform, type PlatformLog } from './redis.js';

/**
 * What several instances share through Redis — or, without SIGHTLINE_REDIS_URL, the in-process
 * equivalents of one instance: the query-result cache, the live bus, the job queue and the
 * rate-limit counters.
 */
export interface Platform {
  /** The Redis connection, when configured. */
  redis: RedisPlatform | undefined;
  cache: ResultCache;
  bus: Bus;
  /** Changes to in-memory caches (catalog, sources, accounts) announced to every instance. */
  invalidations: Invalidations;
  jobs: JobQueue;
  counters: CounterFactory;
  /** For /ready: `off` without Redis. */
  redisHealth(): Promise<'up' | 'down' | 'off'>;
  close(): Promise<void>;
}

export function openPlatform(config: Config, deps: { log: PlatformLog; registry: Registry; onJob: (outcome: JobOutcome) => void }): Platform {
  const { log, registry, onJob } = deps;
  if (config.redisUrl === undefined) {
    const jobs = new MemoryJobQueue(log, registry, onJob);
    const cache = new MemoryResultCache(config.cache.maxEntries);
    const bus = new MemoryBus(log);
    const invalidations = new Invalidations(bus, log);
    return {
      redis: undefined,
      cache,
      bus,
      invalidations,
      jobs,
      counters: memoryCounters,
      redisHealth: async () => 'off',
      async close() {
        invalidations.close();
        await jobs.close();
        cache.close();
      },
    };
  }
  const redis = new RedisPlatform(config.redisUrl, config.redisPrefix, log);
  const cache = new RedisResultCache(redis, log);
  const bus = new RedisBus(redis, log);
  const invalidations = new Invalidations(bus, log);
  const jobs = new RedisJobQueue(redis, log, registry, onJob);
  return {
    redis,
    cache,
    bus,
    invalidations,
    jobs,
    counters: redisCounters(redis),
    redisHealth: () => redis.ping(),
    async close() {
      invalidations.close();
      await jobs.close();
      await bus.close();
      cache.close();
      await redis.close();
    },
  };
}
