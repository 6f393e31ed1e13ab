/** Exponential backoff settings: the n-th retry waits up to `min(maxMs, baseMs * 2^n)`. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

/** A source of numbers in [0, 1); injectable so tests can pin the jitter. */
export type RandomSource = () => number;

/** The ceiling of the wait before retry number `attempt` (0-based): `min(maxMs, baseMs * 2^attempt)`. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  // 2^attempt overflows to Infinity long after maxMs is reached; Math.min keeps it finite.
  return Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt));
}

/**
 * "Full jitter" (AWS Architecture Blog, "Exponential Backoff And Jitter"): a uniform wait in
 * [0, ceiling]. Spreading retries over the whole window is what stops a thousand clients that lost
 * the same server at the same moment from coming back at the same moment.
 */
export function fullJitter(attempt: number, options: BackoffOptions, random: RandomSource = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/**
 * The wait before a retry of a request: full jitter, but never shorter than the server's
 * Retry-After when it sent one (a 429 or 503 knows better than our guess).
 */
export function retryDelay(attempt: number, options: BackoffOptions, retryAfterMs: number | undefined, random: RandomSource = Math.random): number {
  const jittered = fullJitter(attempt, options, random);
  return retryAfterMs === undefined ? jittered : Math.max(retryAfterMs, jittered);
}

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Answers
 * milliseconds from `now`, or undefined when the header is absent or unreadable.
 */
export function parseRetryAfter(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (header === null || header === undefined) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only an HTTP date (which ends in GMT): V8's Date.parse reads "-1" or "1.5" as dates of 2001.
  if (!/GMT$/i.test(trimmed)) return undefined;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Resolves after `ms`, or early (without rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
