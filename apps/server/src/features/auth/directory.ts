import type { SourceGrant } from '@sightline/protocol';
import type { Invalidations } from '../../platform/invalidation.js';
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
 * disabled user or a revoked key is refused on the next request) and, once `share`d, is announced
 * to the other instances, which forget it too before the change is answered. The TTL bounds how
 * long a change whose announcement was lost (Redis down) can take. Revoked sessions are kept until
 * their last access token has expired.
 */
export class PrincipalDirectory {
  private readonly users = new Map<string, Cached<StoredUser>>();
  private readonly keys = new Map<string, Cached<StoredApiKey>>();
  private roles: Cached<Map<string, SourceGrant[]>> | undefined;
  private readonly revokedSessions = new Map<string, number>();
  private readonly lastUsed = new Map<string, number>();
  private readonly timer: NodeJS.Timeout;
  private readonly listeners: ((change: PrincipalChange) => void)[] = [];
  /**
   * Bumped whenever entries are forgotten: a look-up that began before reads what may be the old
   * row, and must not put it back in the cache.
   */
  private generation = 0;
  private invalidations: Invalidations | undefined;

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
    const learned = (await this.stores.sessions.revokedSince(now - this.accessTokenMs)).filter((family) => !this.revokedSessions.has(family));
    for (const family of learned) this.revokedSessions.set(family, now);
    if (learned.length > 0) this.notify({ kind: 'sessions', ids: learned });
  }

  /**
   * Announces every change made through this process to the other instances, and applies theirs:
   * a user, key or the roles forgotten, a session revoked. When announcements may have been lost,
   * everything is forgotten and the revoked sessions are read again.
   */
  share(invalidations: Invalidations): void {
    this.invalidations = invalidations;
    invalidations.on('user', ({ id }) => this.dropUser(id));
    invalidations.on('key', ({ id }) => this.dropKey(id));
    invalidations.on('roles', () => this.dropRoles());
    invalidations.on('session', ({ id }) => this.markRevoked([id]));
    invalidations.onResync(() => {
      this.generation++;
      this.users.clear();
      this.keys.clear();
      this.roles = undefined;
      return this.load();
    });
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
    if (this.roles && this.roles.until > now) return this.roles.value!.get(name);
    const generation = this.generation;
    const roles = new Map((await this.stores.roles.list()).map((r) => [r.name, r.grants]));
    if (generation === this.generation) this.roles = { value: roles, until: now + TTL_MS };
    return roles.get(name);
  }

  isSessionRevoked(sessionId: string): boolean {
    return this.revokedSessions.has(sessionId);
  }

  /**
   * Called after every change made through this process or, once `share`d, through another one (a
   * user disabled or changed, a key revoked, sessions revoked, roles changed): long-lived holders of a principal, such as live connections,
   * check theirs again at once instead of at their next periodic check.
   */
  onChange(listener: (change: PrincipalChange) => void): void {
    this.listeners.push(listener);
  }

  /** Sessions revoked through this process (committed): refused here at once, and everywhere once announced. */
  async sessionsRevoked(sessionIds: readonly string[]): Promise<void> {
    this.markRevoked(sessionIds);
    await Promise.all(sessionIds.map((id) => this.invalidations?.announce({ kind: 'session', id })));
  }

  /** A user changed or removed through this process (committed). */
  async forgetUser(id: string): Promise<void> {
    this.dropUser(id);
    await this.invalidations?.announce({ kind: 'user', id });
  }

  /** A key changed or revoked through this process (committed). */
  async forgetKey(id: string): Promise<void> {
    this.dropKey(id);
    await this.invalidations?.announce({ kind: 'key', id });
  }

  /** A custom role changed or removed through this process (committed). */
  async forgetRoles(): Promise<void> {
    this.dropRoles();
    await this.invalidations?.announce({ kind: 'roles' });
  }

  private markRevoked(sessionIds: readonly string[]): void {
    const now = this.clock();
    for (const id of sessionIds) this.revokedSessions.set(id, now);
    // Forget revocations older than any access token that could carry them.
    for (const [id, at] of this.revokedSessions) if (at < now - this.accessTokenMs) this.revokedSessions.delete(id);
    this.notify({ kind: 'sessions', ids: sessionIds });
  }

  private dropUser(id: string): void {
    this.generation++;
    this.users.delete(id);
    this.notify({ kind: 'user', id });
  }

  private dropKey(id: string): void {
    this.generation++;
    this.keys.delete(id);
    this.notify({ kind: 'key', id });
  }

  private dropRoles(): void {
    this.generation++;
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
    const generation = this.generation;
    const value = await load();
    if (generation !== this.generation) return value;
    // Bounded: an attacker presenting random ids must not grow memory.
    if (map.size > 10_000) map.clear();
    map.set(id, { value, until: now + TTL_MS });
    return value;
  }
}
