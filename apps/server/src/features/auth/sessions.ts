import { randomUUID } from 'node:crypto';
import type { TokenAnswer } from '@sightline/protocol';
import type { SessionStore } from '../../store/types.js';
import type { AccessTokens } from './access-tokens.js';
import { newRefreshToken, parseRefreshToken, sameDigest } from './credentials.js';
import type { PrincipalDirectory } from './directory.js';

export type RefreshOutcome =
  | { ok: true; userId: string; familyId: string; answer: TokenAnswer }
  /** A refresh token that was already spent came back: its whole family is now revoked. */
  | { ok: false; reason: 'reuse'; userId: string; familyId: string }
  | { ok: false; reason: 'invalid' | 'expired' | 'revoked' | 'inactive_user'; userId?: string };

/**
 * Sessions: a login starts a family of refresh tokens; each refresh spends one token and issues the
 * next (rotation). A spent token presented again means it was stolen or replayed, so the family is
 * revoked, and with it every access token it issued (checked on each request through the directory).
 */
export class Sessions {
  constructor(
    private readonly store: SessionStore,
    private readonly tokens: AccessTokens,
    private readonly directory: PrincipalDirectory,
    private readonly refreshSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Starts a session for a user who just proved who they are. */
  start(userId: string): Promise<{ familyId: string; answer: TokenAnswer }> {
    const familyId = randomUUID();
    return this.issue(userId, familyId).then((answer) => ({ familyId, answer }));
  }

  async refresh(presented: string, userActive: (userId: string) => Promise<boolean>): Promise<RefreshOutcome> {
    const parsed = parseRefreshToken(presented);
    const row = parsed && (await this.store.get(parsed.id));
    if (!parsed || !row || !sameDigest(row.secretHash, parsed.secretHash)) return { ok: false, reason: 'invalid' };
    if (row.revokedAt !== null) return { ok: false, reason: 'revoked', userId: row.userId };
    const now = this.clock();
    if (row.usedAt !== null || !(await this.store.markUsed(row.id, now))) {
      await this.revoke(row.familyId);
      return { ok: false, reason: 'reuse', userId: row.userId, familyId: row.familyId };
    }
    if (row.expiresAt <= now) return { ok: false, reason: 'expired', userId: row.userId };
    if (!(await userActive(row.userId))) return { ok: false, reason: 'inactive_user', userId: row.userId };
    return { ok: true, userId: row.userId, familyId: row.familyId, answer: await this.issue(row.userId, row.familyId) };
  }

  async revoke(familyId: string): Promise<void> {
    await this.store.revokeFamily(familyId, this.clock());
    await this.directory.sessionsRevoked([familyId]);
  }

  /** Ends every session of a user (disabled, deleted, password changed). */
  async revokeUser(userId: string): Promise<void> {
    await this.directory.sessionsRevoked(await this.store.revokeUser(userId, this.clock()));
  }

  private async issue(userId: string, familyId: string): Promise<TokenAnswer> {
    const now = this.clock();
    const refresh = newRefreshToken();
    await this.store.insert({
      id: refresh.id,
      familyId,
      userId,
      secretHash: refresh.secretHash,
      createdAt: now,
      expiresAt: now + this.refreshSeconds * 1000,
      usedAt: null,
      revokedAt: null,
    });
    return {
      access_token: await this.tokens.forUser(userId, familyId),
      refresh_token: refresh.token,
      token_type: 'Bearer',
      expires_in: this.tokens.lifetimeSeconds,
    };
  }
}
