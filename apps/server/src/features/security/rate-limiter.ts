import { RateLimiterMemory, RateLimiterRes, type IRateLimiterOptions, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { RATE_GROUPS, type Limit, type RateGroup, type RateLimits } from '../../config.js';
import { AppError } from '../../errors.js';

export type LimitedBy = 'ip' | 'user' | 'key';

/** 429 with Retry-After; `first` is true for the first refusal of a window (worth one audit entry). */
export class RateLimitedError extends AppError {
  constructor(
    readonly by: LimitedBy,
    retryAfterSeconds: number,
    readonly first: boolean,
  ) {
    super('rate_limited', {
      detail: `Too many requests for this ${by === 'ip' ? 'address' : by === 'user' ? 'user' : 'API key'}; retry in ${retryAfterSeconds} s`,
      headers: { 'retry-after': String(retryAfterSeconds) },
    });
  }
}

/** Counts requests per (route group, ip | user | key) in fixed windows. */
export interface RateLimiter {
  /** Resolves when the request is within the limit; throws RateLimitedError otherwise. */
  consume(group: RateGroup, by: LimitedBy, id: string): Promise<void>;
}

/**
 * Makes one counter per limit. The in-process store is rate-limiter-flexible's memory limiter; the
 * production tier passes its Redis limiter (same library, same counters) so that every instance
 * shares the counts.
 */
export type CounterFactory = (options: IRateLimiterOptions) => RateLimiterAbstract;

export const memoryCounters: CounterFactory = (options) => new RateLimiterMemory(options);

export function createRateLimiter(limits: RateLimits, counters: CounterFactory = memoryCounters): RateLimiter {
  const table = new Map<string, RateLimiterAbstract | null>();
  const limiter = (limit: Limit, name: string) =>
    limit.points === 0 ? null : counters({ keyPrefix: `rl:${name}`, points: limit.points, duration: limit.seconds });
  for (const group of RATE_GROUPS) {
    for (const by of ['ip', 'user', 'key'] as const) table.set(`${group}:${by}`, limiter(limits[group][by], `${group}:${by}`));
  }
  return {
    async consume(group, by, id) {
      const counter = table.get(`${group}:${by}`);
      if (!counter) return;
      try {
        await counter.consume(id);
      } catch (refusal) {
        if (!(refusal instanceof RateLimiterRes)) throw refusal; // the store failed, not the client
        const retryAfter = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
        throw new RateLimitedError(by, retryAfter, refusal.consumedPoints === counter.points + 1);
      }
    },
  };
}
