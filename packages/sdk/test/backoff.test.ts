import { describe, expect, it } from 'vitest';
import { backoffCeiling, fullJitter, parseRetryAfter, retryDelay } from '../src/backoff.js';

const opts = { baseMs: 100, maxMs: 5000 };

/** A deterministic pseudo-random source (mulberry32), so a failure can be reproduced. */
function seeded(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('backoff', () => {
  it('doubles the ceiling per attempt and caps it at maxMs', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffCeiling(n, opts))).toEqual([100, 200, 400, 800, 1600, 3200, 5000]);
    // Far past the cap, 2^n would overflow to Infinity: still maxMs.
    expect(backoffCeiling(5000, opts)).toBe(5000);
  });

  it('full jitter stays within [0, ceiling] and uses the whole window', () => {
    const random = seeded(42);
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = backoffCeiling(attempt, opts);
      const samples = Array.from({ length: 2000 }, () => fullJitter(attempt, opts, random));
      expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...samples)).toBeLessThanOrEqual(ceiling);
      // Spread over the window, not bunched at its top (plain exponential backoff) or bottom.
      expect(Math.min(...samples)).toBeLessThan(ceiling * 0.05);
      expect(Math.max(...samples)).toBeGreaterThan(ceiling * 0.95);
    }
  });

  it('the extremes of the random source give 0 and just under the ceiling', () => {
    expect(fullJitter(3, opts, () => 0)).toBe(0);
    expect(fullJitter(3, opts, () => 0.999999)).toBe(799);
  });

  it('a Retry-After is a floor, not a replacement for the jitter', () => {
    expect(retryDelay(0, opts, 2000, () => 0.5)).toBe(2000);
    expect(retryDelay(6, opts, 10, () => 0.5)).toBe(2500);
    expect(retryDelay(2, opts, undefined, () => 0.5)).toBe(200);
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-06-15T12:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 15 Jun 2026 12:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 15 Jun 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
  });
});
