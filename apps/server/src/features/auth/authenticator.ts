import { AppError } from '../../errors.js';
import type { AccessTokens } from './access-tokens.js';
import { apiKeyId, sameDigest, sha256Hex } from './credentials.js';
import type { PrincipalDirectory } from './directory.js';
import { FULL_ACCESS, keyAccess, roleAccess } from './permissions.js';
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

/** Turns an Authorization header into a principal, or throws AuthenticationError (401). */
export class Authenticator {
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
    const subject = await this.tokens.verify(token);
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
      access: roleAccess(user.role, await this.directory.roleGrants(user.role)),
    };
  }

  private async fromKey(id: string, presented: string): Promise<Principal> {
    const key = await this.directory.key(id);
    if (!key || !sameDigest(key.keyHash, sha256Hex(presented))) throw new AuthenticationError('unknown_key');
    if (key.revokedAt !== null) throw new AuthenticationError('revoked_key');
    if (key.expiresAt !== null && key.expiresAt <= this.clock()) throw new AuthenticationError('expired_key');
    this.directory.keyUsed(key.id);
    return { kind: 'key', id: key.id, access: keyAccess(key.scopes, key.sources) };
  }
}
