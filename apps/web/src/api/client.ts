import { Sightline, isSightlineError, type SightlineError } from '@sightline/sdk';
import { session } from '../features/auth/session';

let client: Sightline | undefined;
let lastError: SightlineError | undefined;

/** The one client of the signed-in user; its token function follows the session's refreshes. */
export function getClient(): Sightline {
  client ??= new Sightline({
    url: window.location.origin,
    token: () => session.accessToken(),
    // Failures with a caller are shown where they happen; the rest (a dropped live message) is
    // kept for a look in the devtools rather than printed on every reconnect.
    onError: (error) => {
      lastError = error;
    },
  });
  return client;
}

/** The last failure that had no caller to report to. */
export function lastBackgroundError(): SightlineError | undefined {
  return lastError;
}

/** On sign-out: the live channel of the old user must not stay open. */
export function closeClient(): void {
  const old = client;
  client = undefined;
  void old?.close().catch(() => undefined);
}

// A session that ends (sign-out here or in another tab, a refused refresh) takes its live channel with it.
session.subscribe(() => {
  if (session.current() === undefined) closeClient();
});

/**
 * Runs an API call; when the server answers 401 (the access token was revoked or expired early),
 * refreshes the session once and tries again.
 */
export async function call<T>(fn: (sl: Sightline) => Promise<T>): Promise<T> {
  const used = session.current()?.access;
  try {
    return await fn(getClient());
  } catch (error) {
    if (!isSightlineError(error) || error.status !== 401 || used === undefined) throw error;
    const next = await session.refresh({ staleAccess: used });
    if (next === undefined) throw error;
    return fn(getClient());
  }
}
