import { refreshSession } from '@sightline/sdk';
import { SessionManager } from './session-manager';

/**
 * Where the Web Locks API is missing (very old browsers, some embedded views), one tab at a time
 * is all we can promise: the refresh is still serialized inside this tab.
 */
async function lockWith<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
  if (locks === undefined) return fn();
  let result: T | undefined;
  await locks.request(name, { mode: 'exclusive' }, async () => {
    result = await fn();
  });
  return result as T;
}

/** The signed-in user's session for this page (one per tab; tabs share it through localStorage). */
export const session = new SessionManager({
  storage: window.localStorage,
  now: () => Date.now(),
  refresh: (refreshToken) => refreshSession({ url: window.location.origin, refreshToken }),
  lock: lockWith,
  setTimer: (fn, ms) => window.setTimeout(fn, ms),
  clearTimer: (handle) => window.clearTimeout(handle as number),
});

window.addEventListener('storage', (event) => {
  if (event.key === null || event.key === 'sightline.session') session.syncFromStorage();
});
session.start();
