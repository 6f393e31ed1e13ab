import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import type { LoginGuardConfig } from '../../config.js';
import { RateLimitedError, memoryCounters, type CounterFactory } from './rate-limiter.js';

const DAY_SECONDS = 86_400;

/**
 * Cuts off password guessing, per account and per client address: after `accountFailures` (or
 * `ipFailures`) failed logins within the window, further logins are refused with 429 for a lockout
 * that doubles with each lockout of the same account or address within a day (capped at a day).
 * A success clears the failures but not the lockout history. Unknown accounts are counted like
 * real ones, so a lockout says nothing about whether an account exists.
 */
export class LoginGuard {
  private readonly failures: { account: RateLimiterAbstract; ip: RateLimiterAbstract };
  private readonly lockouts: RateLimiterAbstract;

  constructor(
    private readonly config: LoginGuardConfig,
    counters: CounterFactory = memoryCounters,
  ) {
    this.failures = {
      account: counters({ keyPrefix: 'login:fail:account', points: config.accountFailures, duration: config.windowSeconds }),
      ip: counters({ keyPrefix: 'login:fail:ip', points: config.ipFailures, duration: config.windowSeconds }),
    };
    this.lockouts = counters({ keyPrefix: 'login:lockouts', points: 1_000_000, duration: DAY_SECONDS });
  }

  /** Throws RateLimitedError while the account or the address is locked out. */
  async check(account: string, ip: string): Promise<void> {
    for (const [by, key] of [['account', account.toLowerCase()], ['ip', ip]] as const) {
      const limiter = this.failures[by];
      const state = await limiter.get(key);
      if (state && state.consumedPoints > limiter.points) {
        throw new RateLimitedError(by === 'ip' ? 'ip' : 'user', Math.max(1, Math.ceil(state.msBeforeNext / 1000)), false);
      }
    }
  }

  /** Counts a failed login; returns the lockouts it started (for the audit trail). */
  async failed(account: string, ip: string): Promise<{ lockedOut: ('account' | 'ip')[]; seconds: number }> {
    const lockedOut: ('account' | 'ip')[] = [];
    let seconds = 0;
    for (const [by, key] of [['account', account.toLowerCase()], ['ip', ip]] as const) {
      const limiter = this.failures[by];
      const state = await limiter.penalty(key);
      if (state.consumedPoints === limiter.points) {
        // This failure reached the limit: lock out for base × 2^(lockouts today), at most a day.
        const previous = (await this.lockouts.penalty(`${by}:${key}`)).consumedPoints - 1;
        const lockout = Math.min(DAY_SECONDS, this.config.lockoutSeconds * 2 ** Math.min(previous, 20));
        await limiter.block(key, lockout);
        lockedOut.push(by);
        seconds = Math.max(seconds, lockout);
      }
    }
    return { lockedOut, seconds };
  }

  async succeeded(account: string): Promise<void> {
    await this.failures.account.delete(account.toLowerCase());
  }
}
