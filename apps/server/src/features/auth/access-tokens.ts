import { randomUUID } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';

const ISSUER = 'sightline';
const AUDIENCE = 'sightline-api';
const ALGORITHM = 'HS256';

/** The claims of a verified access token. */
export type TokenSubject = { kind: 'user'; userId: string; sessionId: string } | { kind: 'cli'; name: string };

/**
 * Access tokens: HS256 JWTs with issuer, audience and a short lifetime. Only HS256 is accepted
 * (no `alg:none`, no algorithm the token picks for itself), and the audience must be this API's.
 */
export class AccessTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: Uint8Array | string,
    readonly lifetimeSeconds: number,
    private readonly clock: () => number = Date.now,
  ) {
    this.key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  }

  /** A user's token, tied to the session (refresh-token family) it came from. */
  forUser(userId: string, sessionId: string): Promise<string> {
    return this.sign({ sid: sessionId }, `user:${userId}`, this.lifetimeSeconds);
  }

  /** A short token for the local command line, which holds the signing secret anyway. */
  forCli(name: string, lifetimeSeconds = 120): Promise<string> {
    return this.sign({}, `cli:${name}`, lifetimeSeconds);
  }

  /** The token's subject and expiry (epoch ms), or undefined when it is malformed, forged, expired or not for this API. */
  async verify(token: string): Promise<{ subject: TokenSubject; expiresAt: number } | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.clock()),
        requiredClaims: ['exp', 'iat', 'sub'],
      });
      const sub = payload.sub ?? '';
      const expiresAt = payload.exp! * 1000;
      if (sub.startsWith('user:') && typeof payload.sid === 'string') {
        return { subject: { kind: 'user', userId: sub.slice(5), sessionId: payload.sid }, expiresAt };
      }
      if (sub.startsWith('cli:')) return { subject: { kind: 'cli', name: sub.slice(4) }, expiresAt };
      return undefined;
    } catch (error) {
      if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }

  private sign(claims: Record<string, string>, subject: string, lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(this.clock() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject(subject)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(this.key);
  }
}
