import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { CounterFactory } from '../features/security/rate-limiter.js';
import type { RedisPlatform } from './redis.js';

/**
 * Rate-limit counters in Redis, shared by every instance: N requests allowed in all, not N per
 * instance. While Redis is unreachable each counter falls back to an in-memory one of the same
 * limits (its insurance limiter), so an outage neither blocks every request nor lifts the limits;
 * the counts are then per instance until Redis answers again.
 */
export function redisCounters(redis: RedisPlatform): CounterFactory {
  return (options) =>
    new RateLimiterRedis({
      ...options,
      storeClient: redis.client,
      keyPrefix: redis.key(options.keyPrefix ?? 'rl'),
      // Straight to the insurance limiter when the connection is not ready, without a failed round trip.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory(options),
    });
}
