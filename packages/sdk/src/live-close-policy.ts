import { LIVE_CLOSE } from '@sightline/protocol';
import { SightlineError } from './errors.js';
import type { LiveSocketClose } from './live-socket.js';

/**
 * What to do after the live socket closed (docs/live.md, "Close codes"):
 * - `stop`: reconnecting cannot help; `error` says why.
 * - `reconnect`: after a backoff of at least attempt `minAttempt`; `error`, when set, is worth telling.
 */
export type CloseAction = { kind: 'stop'; error: SightlineError } | { kind: 'reconnect'; minAttempt: number; error: SightlineError | undefined };

/**
 * `unauthorizedStreak` counts the 4401s in a row, this one included. `tokenIsDynamic`: the token
 * comes from a function, which may hand out a fresh one.
 */
export function closeAction(info: LiveSocketClose, tokenIsDynamic: boolean, unauthorizedStreak: number): CloseAction {
  switch (info.code) {
    case LIVE_CLOSE.unauthorized: {
      const error = info.error ?? new SightlineError('live: the credentials were refused', { code: 'unauthorized' });
      // An API key or a fixed token that was refused will be refused again, over HTTP too.
      if (!tokenIsDynamic) return { kind: 'stop', error };
      // An expired access token is routine: the function gives a fresh one. Say so only if that did not help.
      return { kind: 'reconnect', minAttempt: 0, error: unauthorizedStreak >= 2 ? error : undefined };
    }
    case LIVE_CLOSE.policy:
      // Flooding or no auth in time: waiting is the only thing that may help.
      return {
        kind: 'reconnect',
        minAttempt: 6,
        error: new SightlineError(`live: closed by the server's policy${info.reason ? `: ${info.reason}` : ''}`, { code: 'live_error' }),
      };
    case LIVE_CLOSE.full:
      // "Try again later": not within the next half second, and not all clients at once (jitter).
      return { kind: 'reconnect', minAttempt: 3, error: undefined };
    default:
      // 1001 (restart), 1006 (network, or a connection we gave up on), anything else.
      return { kind: 'reconnect', minAttempt: 0, error: undefined };
  }
}
