import type { SourceGrant } from '@sightline/protocol';
import type { KeyStore, RoleStore, SessionStore, StoredApiKey, StoredUser, UserStore } from '../../store/types.js';

/** How long a looked-up user, key or role is trusted before it is read again. */
const TTL_MS = 5_000;
/** How often collected key last-used times are written. */
const TOUCH_EVERY_MS = 30_000;

/** Something about who may do what changed: those holding it should be checked again. */
export type PrincipalChange =
  | { kind: 'user'; id: string }
  | { kind: 'key'; id: string }
  | { kind: 'sessions'; ids: readonly string[] }
  | { kind: 'roles' };

interface Cached<T> {
  value: T | undefined;
  until: number;
}

/**
 * The authentication hot path reads users, keys and roles on every request; this keeps them in
 * memory for a few seconds. Every change made through this process forgets the entry at once (a
 * disabled user or a revoked key is refused on the next request); the TTL bounds how long a change
 * made elsewhere (another instance, later) can take. Revoked sessions are kept until their last
 * access token has expired.
 */
export class PrincipalDirectory {
  private readonly users = new Map<string, Cached<StoredUser>>();
  private readonly keys = new Map<string, Cached<StoredApiKey>>();
  private roles: Cached<Map<string, SourceGrant[]>> | undefined;
  private readonly revokedSessions = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: ((change: PrincipalChange) => void)[] = [];

  constructor(
    private readonly stores: { users: UserStore; keys: KeyStore; roles: RoleStore; sessions: SessionStore },
    private readonly accessTokenMs: number,
    private readonly clock: () => number,
  ) {
    this.timer = setInterval(() => void this.flushLastUsed().catch(() => undefined), TOUCH_EVERY_MS);
    this.timer.unref();
  }

  /** Loads the sessions revoked recently enough that their access tokens may still be presented. */
  async load(): Promise<void> {
    const now = this.clock();
    for (const family of await this.stores.sessions.revokedSince(now - this.accessTokenMs)) this.revokedSessions.set(family, now);
  }

  user(id: string): Promise<StoredUser | undefined> {
    return this.cached(this.users, id, () => this.stores.users.get(id));
  }

  key(id: string): Promise<StoredApiKey | undefined> {
    return this.cached(this.keys, id, () => this.stores.keys.get(id));
  }

  /** A custom role's grants, or undefined when there is no such role. */
  async roleGrants(name: string): Promise<SourceGrant[] | undefined> {
    const now = this.clock();
    if (!this.roles || this.roles.until <= now) {
      const roles = await this.stores.roles.list();
      this.roles = { value: new Map(roles.map((r) => [r.name, r.grants])), until: now + TTL_MS };
    }
    return this.roles.value!.get(name);
  }

  isSessionRevoked(sessionId: string): boolean {
    return this.revokedSessions.has(sessionId);
  }

  /**
   * Called after every change made through this process (a user disabled or changed, a key revoked,
   * sessions revoked, roles changed): long-lived holders of a principal, such as live connections,
   * check theirs again at once instead of at their next periodic check.
   */
  onChange(listener: (change: PrincipalChange) => void): void {
    this.listeners.push(listener);
  }

  sessionsRevoked(sessionIds: readonly string[]): void {
    const now = this.clock();
    for (const id of sessionIds) this.revokedSessions.set(id, now);
    // Forget revocations older than any access token that could carry them.
    for (const [id, at] of this.revokedSessions) if (at < now - this.accessTokenMs) this.revokedSessions.delete(id);
    this.notify({ kind: 'sessions', ids: sessionIds });
  }

  forgetUser(id: string): void {
    this.users.delete(id);
    this.notify({ kind: 'user', id });
  }

  forgetKey(id: string): void {
    this.keys.delete(id);
    this.notify({ kind: 'key', id });
  }

  forgetRoles(): void {
    this.roles = undefined;
    this.notify({ kind: 'roles' });
  }

  private notify(change: PrincipalChange): void {
    for (const listener of this.listeners) listener(change);
  }

  keyUsed(id: string): void {
    this.lastUsed.set(id, this.clock());
  }

  async flushLastUsed(): Promise<void> {
    if (this.lastUsed.size === 0) return;
    const batch = new Map(this.lastUsed);
    this.lastUsed.clear();
    await this.stores.keys.touch(batch);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushLastUsed();
  }

  private async cached<T>(map: Map<string, Cached<T>>, id: string, load: () => Promise<T | undefined>): Promise<T | undefined> {
    const now = this.clock();
    const hit = map.get(id);
    if (hit && hit.until > now) return hit.value;
    const value = await load();
    // Bounded: an attacker presenting random ids must not grow memory.
    if (map.size > 10_000) map.clear();
    map.set(id, { value, until: now + TTL_MS });
    return value;
  }
}
