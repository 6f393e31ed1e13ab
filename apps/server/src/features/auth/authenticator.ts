import { AppError } from '../../errors.js';
import type { SourceGrant } from '@sightline/protocol';
import type { StoredApiKey } from '../../store/types.js';
import type { AccessTokens, TokenSubject } from './access-tokens.js';
import { apiKeyId, sameDigest, sha256Hex } from './credentials.js';
import type { PrincipalDirectory } from './directory.js';
import { FULL_ACCESS, keyAccess, roleAccess, type Access } from './permissions.js';
import type { Principal } from './principal.js';

/** Why a credential was refused: for the audit trail, never for the client (which gets one answer). */
export type RejectReason = 'missing' | 'malformed' | 'invalid_token' | 'revoked_session' | 'unknown_user' | 'disabled_user' | 'unknown_key' | 'revoked_key' | 'expired_key';

export class AuthenticationError extends AppError {
  constructor(readonly reason: RejectReason) {
    super('unauthorized', {
      detail: reason === 'missing' ? 'Send Authorization: Bearer <access token or API key>' : 'The credentials are not valid',
      headers: { 'www-authenticate': reason === 'missing' ? 'Bearer realm="sightline"' : 'Bearer realm="sightline", error="invalid_token"' },
    });
  }
}

/** Most verified credentials remembered: enough for every live client, bounded whatever is sent. */
const REMEMBERED = 10_000;

/**
 * Turns an Authorization header into a principal, or throws AuthenticationError (401).
 *
 * The work that depends only on the credential's text is done once per credential, not per request:
 * a token's signature and claims (until it expires), an API key's hash check (for as long as the
 * directory holds the same key row). What can change — a revoked session, a disabled user, a
 * revoked or expired key, a new role — is still looked at on every request, through the directory.
 */
export class Authenticator {
  private readonly verifiedTokens = new Map<string, { subject: TokenSubject; expiresAt: number }>();
  /** Presented key → the stored row it was checked against (the same object while the directory caches it). */
  private readonly verifiedKeys = new Map<string, StoredApiKey>();
  private readonly keyAccessOf = new WeakMap<StoredApiKey, Access>();
  private readonly roleAccessOf = new Map<string, { grants: readonly SourceGrant[] | undefined; access: Access }>();

  constructor(
    private readonly tokens: AccessTokens,
    private readonly directory: PrincipalDirectory,
    private readonly clock: () => number = Date.now,
  ) {}

  async authenticate(header: string | undefined): Promise<Principal> {
    if (header === undefined || header === '') throw new AuthenticationError('missing');
    const match = /^Bearer +([^\s]+) *$/i.exec(header);
    if (!match) throw new AuthenticationError('malformed');
    const credential = match[1]!;
    const keyId = apiKeyId(credential);
    return keyId === undefined ? this.fromToken(credential) : this.fromKey(keyId, credential);
  }

  private async fromToken(token: string): Promise<Principal> {
    const subject = await this.verifiedToken(token);
    if (!subject) throw new AuthenticationError('invalid_token');
    if (subject.kind === 'cli') return { kind: 'cli', name: subject.name, access: FULL_ACCESS };
    if (this.directory.isSessionRevoked(subject.sessionId)) throw new AuthenticationError('revoked_session');
    const user = await this.directory.user(subject.userId);
    if (!user) throw new AuthenticationError('unknown_user');
    if (user.disabled) throw new AuthenticationError('disabled_user');
    return {
      kind: 'user',
      id: user.id,
      email: user.email,
      role: user.role,
      sessionId: subject.sessionId,
      mustChangePassword: user.mustChangePassword,
      access: this.accessOfRole(user.role, await this.directory.roleGrants(user.role)),
    };
  }

  private async verifiedToken(token: string): Promise<TokenSubject | undefined> {
    const now = this.clock();
    const known = this.verifiedTokens.get(token);
    if (known && known.expiresAt > now) return known.subject;
    const verified = await this.tokens.verify(token);
    if (!verified) return undefined;
    if (this.verifiedTokens.size >= REMEMBERED) this.verifiedTokens.clear();
    this.verifiedTokens.set(token, { subject: verified.subject, expiresAt: verified.expiresAt });
    return verified.subject;
  }

  /** Role access objects are rebuilt only when the role's grants change (the directory's object changes). */
  private accessOfRole(role: string, grants: readonly SourceGrant[] | undefined): Access {
    const known = this.roleAccessOf.get(role);
    if (known && known.grants === grants) return known.access;
    const access = roleAccess(role, grants);
    if (this.roleAccessOf.size >= REMEMBERED) this.roleAccessOf.clear();
    this.roleAccessOf.set(role, { grants, access });
    return access;
  }

  private async fromKey(id: string, presented: string): Promise<Principal> {
    const key = await this.directory.key(id);
    if (!key) throw new AuthenticationError('unknown_key');
    if (this.verifiedKeys.get(presented) !== key) {
      if (!sameDigest(key.keyHash, sha256Hex(presented))) throw new AuthenticationError('unknown_key');
      if (this.verifiedKeys.size >= REMEMBERED) this.verifiedKeys.clear();
      this.verifiedKeys.set(presented, key);
    }
    if (key.revokedAt !== null) throw new AuthenticationError('revoked_key');
    if (key.expiresAt !== null && key.expiresAt <= this.clock()) throw new AuthenticationError('expired_key');
    this.directory.keyUsed(key.id);
    let access = this.keyAccessOf.get(key);
    if (!access) this.keyAccessOf.set(key, (access = keyAccess(key.scopes, key.sources)));
    return { kind: 'key', id: key.id, access };
  }
}
