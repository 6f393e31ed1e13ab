import type { TokenAnswer } from '@sightline/sdk';

/** What `sightline.session` in localStorage holds. */
export interface StoredSession {
  access: string;
  refresh: string;
  /** Epoch milliseconds at which the access token stops working. */
  expiresAt: number;
}

export type SessionEnd = 'logout' | 'expired';

export interface SessionDeps {
  storage: Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;
  now: () => number;
  /** POST /v1/auth/refresh with this (single-use) refresh token. */
  refresh: (refreshToken: string) => Promise<TokenAnswer>;
  /**
   * Runs `fn` while holding an exclusive lock shared by every tab (navigator.locks), so that one
   * refresh token is never sent twice: a reused one revokes the whole session.
   */
  lock: <T>(name: string, fn: () => Promise<T>) => Promise<T>;
  setTimer: (fn: () => void, ms: number) => unknown;
  clearTimer: (handle: unknown) => void;
  /** How long before expiry the token is refreshed. Default 60 s. */
  leadMs?: number;
  /** After a refresh that failed for a passing reason (network, 5xx, 429). Default 15 s. */
  retryMs?: number;
  /**
   * How long the lock is kept after a refresh was stored. Browsers copy a localStorage write to
   * the other tabs asynchronously; a tab that got the lock at once could still read the spent
   * refresh token and, by sending it, revoke the session. Default 300 ms.
   */
  settleMs?: number;
}

export const SESSION_KEY = 'sightline.session';
const LOCK_NAME = 'sightline.session.refresh';
// setTimeout keeps its delay in a signed 32-bit integer.
const MAX_TIMER_MS = 2 ** 31 - 1;

export function parseSession(raw: string | null): StoredSession | undefined {
  if (raw === null) return undefined;
  try {
    const value = JSON.parse(raw) as Partial<StoredSession>;
    if (typeof value.access === 'string' && typeof value.refresh === 'string' && typeof value.expiresAt === 'number') {
      return { access: value.access, refresh: value.refresh, expiresAt: value.expiresAt };
    }
  } catch {
    // A hand-edited or truncated value is no session.
  }
  return undefined;
}

/** A refresh refused by the server (the token is spent, revoked or unknown) will never succeed. */
export function isPermanentFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null || !('status' in error)) return false;
  const status = (error as { status: unknown }).status;
  return typeof status === 'number' && status >= 400 && status < 500 && status !== 429 && status !== 408;
}

/**
 * The signed-in user's tokens: kept in localStorage (shared by the tabs), refreshed shortly
 * before they expire and when the server answers 401, one refresh at a time across all tabs.
 */
export class SessionManager {
  private readonly leadMs: number;
  private readonly retryMs: number;
  private readonly settleMs: number;
  private timer: unknown;
  private inflight: Promise<StoredSession | undefined> | undefined;
  private readonly listeners = new Set<() => void>();
  private snapshot: StoredSession | undefined;
  private ended: SessionEnd | undefined;

  constructor(private readonly deps: SessionDeps) {
    this.leadMs = deps.leadMs ?? 60_000;
    this.retryMs = deps.retryMs ?? 15_000;
    this.settleMs = deps.settleMs ?? 300;
    this.snapshot = this.read();
  }

  /** The stored session, as last seen (stable between changes, for useSyncExternalStore). */
  current(): StoredSession | undefined {
    return this.snapshot;
  }

  /** Why the last session ended, if it did while this page was open. */
  get endReason(): SessionEnd | undefined {
    return this.ended;
  }

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Schedules the refresh of a session restored from storage. */
  start(): void {
    this.sync();
  }

  signIn(answer: TokenAnswer): StoredSession {
    const session = this.toStored(answer);
    this.write(session);
    this.ended = undefined;
    this.sync();
    return session;
  }

  signOut(reason: SessionEnd = 'logout'): void {
    this.deps.storage.removeItem(SESSION_KEY);
    this.ended = reason;
    this.sync();
  }

  /** Another tab changed the stored session (a `storage` event): follow it. */
  syncFromStorage(): void {
    const before = this.snapshot;
    this.sync();
    if (before !== undefined && this.snapshot === undefined && this.ended === undefined) this.ended = 'logout';
  }

  /**
   * A current access token for a request: the stored one, or a fresh one when it has expired
   * (a tab that slept through its timer).
   */
  async accessToken(): Promise<string> {
    let session = this.read();
    if (session !== undefined && session.expiresAt <= this.deps.now() + 5_000) session = await this.refresh();
    if (session === undefined) throw new Error('not signed in');
    return session.access;
  }

  /**
   * Refreshes the tokens. `staleAccess`: the access token the server just refused with 401; when
   * the stored one differs, another tab refreshed already and its tokens are used as they are.
   * Answers the session to use, or undefined when there is none any more.
   */
  refresh(options: { staleAccess?: string } = {}): Promise<StoredSession | undefined> {
    this.inflight ??= this.refreshLocked(options.staleAccess).finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async refreshLocked(staleAccess: string | undefined): Promise<StoredSession | undefined> {
    let outcome: { session: StoredSession | undefined; failure?: 'permanent' | 'passing' };
    outcome = await this.deps.lock(LOCK_NAME, async () => {
      // Read again inside the lock: another tab may have refreshed (and spent our refresh token).
      const stored = this.read();
      if (stored === undefined) return { session: undefined };
      const refreshedElsewhere = staleAccess !== undefined ? stored.access !== staleAccess : stored.expiresAt - this.deps.now() > this.leadMs;
      if (refreshedElsewhere) return { session: stored };
      try {
        const next = this.toStored(await this.deps.refresh(stored.refresh));
        this.write(next);
        if (this.settleMs > 0) await new Promise<void>((resolve) => this.deps.setTimer(resolve, this.settleMs));
        return { session: next };
      } catch (error) {
        return { session: stored, failure: isPermanentFailure(error) ? 'permanent' : 'passing' };
      }
    });
    if (outcome.failure === 'permanent') {
      this.signOut('expired');
      outcome = { session: undefined };
    } else if (outcome.failure === 'passing') {
      this.schedule(this.retryMs);
      return outcome.session !== undefined && outcome.session.expiresAt > this.deps.now() ? outcome.session : undefined;
    } else {
      this.sync();
    }
    return outcome.session;
  }

  private sync(): void {
    const next = this.read();
    const prev = this.snapshot;
    const changed = prev?.access !== next?.access || prev?.refresh !== next?.refresh || prev?.expiresAt !== next?.expiresAt;
    if (changed) this.snapshot = next;
    if (next === undefined) this.cancelTimer();
    else this.schedule(Math.max(0, next.expiresAt - this.leadMs - this.deps.now()));
    if (changed) for (const listener of [...this.listeners]) listener();
  }

  private schedule(ms: number): void {
    this.cancelTimer();
    this.timer = this.deps.setTimer(() => {
      this.timer = undefined;
      void this.refresh();
    }, Math.min(ms, MAX_TIMER_MS));
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.deps.clearTimer(this.timer);
    this.timer = undefined;
  }

  private read(): StoredSession | undefined {
    return parseSession(this.deps.storage.getItem(SESSION_KEY));
  }

  private write(session: StoredSession): void {
    this.deps.storage.setItem(SESSION_KEY, JSON.stringify(session));
  }

  private toStored(answer: TokenAnswer): StoredSession {
    return { access: answer.access_token, refresh: answer.refresh_token, expiresAt: this.deps.now() + answer.expires_in * 1000 };
  }
}
