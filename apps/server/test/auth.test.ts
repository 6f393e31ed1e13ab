/**
 * Sign-in and sessions, tried the way an attacker would: every forged, stale or replayed credential
 * gets a 401 (never data) and leaves an audit entry.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokens } from '../src/features/auth/access-tokens.js';
import { signingSecret } from '../src/features/auth/signing-secret.js';
import { ADMIN, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const me = (token: string | null) => t.inject('/v1/auth/me', token);

async function auditEntries(action: string) {
  const res = await t.inject(`/v1/audit?action=${encodeURIComponent(action)}&limit=1000`);
  expect(res.statusCode).toBe(200);
  return res.json().entries as { action: string; outcome: string; actor: string; target: string | null; details: Record<string, unknown> | null }[];
}

describe('login', () => {
  it('answers tokens for the right password, and the access token works', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: ADMIN }, null);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 900 });
    expect(body.refresh_token).toMatch(/^rt_[0-9a-f]{16}_/);
    const who = await me(body.access_token);
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ kind: 'user', email: ADMIN.email, role: 'admin' });
  });

  it('treats the e-mail case-insensitively', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { ...ADMIN, email: ADMIN.email.toUpperCase() } }, null);
    expect(res.statusCode).toBe(200);
  });

  it('refuses a wrong password and an unknown account alike, and audits both', async () => {
    const wrong = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: ADMIN.email, password: 'not the password at all' } }, null);
    const unknown = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'nobody@example.com', password: 'not the password at all' } }, null);
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
      expect(res.json()).toMatchObject({ code: 'unauthorized', detail: 'The credentials are not valid' });
    }
    expect(wrong.body).toBe(unknown.body.replace(unknown.json().type, wrong.json().type));
    const failures = (await auditEntries('auth.login')).filter((e) => e.outcome === 'failure');
    expect(failures.map((e) => e.details?.reason)).toEqual(expect.arrayContaining(['wrong_password', 'unknown_account']));
    // The audit names the account that exists, never the e-mail address typed.
    expect(JSON.stringify(failures)).not.toContain('nobody@example.com');
  });

  it('refuses a malformed body with the path of what is wrong', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: ADMIN.email, password: 'x', remember: true } }, null);
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual(expect.arrayContaining([expect.objectContaining({ path: expect.stringMatching(/remember|^\/$/) })]));
  });
});

describe('access tokens that must not work', () => {
  const secret = () => signingSecret(t.config);

  it.each([
    ['no Authorization header', null],
    ['an empty bearer', ''],
    ['garbage', 'not-a-jwt'],
  ])('%s → 401', async (_name, token) => {
    const res = token === '' ? await t.app.inject({ url: '/v1/auth/me', headers: { authorization: 'Bearer ' } }) : await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'unauthorized', status: 401 });
  });

  it('an expired token → 401', async () => {
    const adminId = (await me(t.adminToken)).json().id as string;
    const sessionOf = JSON.parse(Buffer.from(t.adminToken.split('.')[1]!, 'base64url').toString()).sid as string;
    const past = new AccessTokens(secret(), 900, () => Date.now() - 3600_000);
    const token = await past.forUser(adminId, sessionOf);
    expect((await me(token)).statusCode).toBe(401);
    // The same claims signed now work: it is the expiry that was refused.
    expect((await me(await new AccessTokens(secret(), 900).forUser(adminId, sessionOf))).statusCode).toBe(200);
  });

  it('a tampered payload → 401', async () => {
    const [header, , signature] = t.adminToken.split('.');
    const claims = JSON.parse(Buffer.from(t.adminToken.split('.')[1]!, 'base64url').toString());
    const forged = `${header}.${b64({ ...claims, exp: claims.exp + 86_400 })}.${signature}`;
    expect((await me(forged)).statusCode).toBe(401);
  });

  it('alg:none → 401', async () => {
    const claims = JSON.parse(Buffer.from(t.adminToken.split('.')[1]!, 'base64url').toString());
    expect((await me(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`)).statusCode).toBe(401);
    expect((await me(`${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}`)).statusCode).toBe(401);
  });

  it('a token signed with another key → 401', async () => {
    const claims = JSON.parse(Buffer.from(t.adminToken.split('.')[1]!, 'base64url').toString());
    const other = await new AccessTokens(new TextEncoder().encode('another secret of at least 32 characters!'), 900).forUser(claims.sub.slice(5), claims.sid);
    expect((await me(other)).statusCode).toBe(401);
  });

  it('a token for another audience or issuer → 401', async () => {
    const claims = JSON.parse(Buffer.from(t.adminToken.split('.')[1]!, 'base64url').toString());
    const sign = (aud: string, iss: string) =>
      new SignJWT({ sid: claims.sid }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setIssuer(iss).setAudience(aud).setIssuedAt().setExpirationTime('5m').sign(secret());
    expect((await me(await sign('another-api', 'sightline'))).statusCode).toBe(401);
    expect((await me(await sign('sightline-api', 'someone-else'))).statusCode).toBe(401);
    expect((await me(await sign('sightline-api', 'sightline'))).statusCode).toBe(200);
  });

  it('an HS256 token with the secret but another algorithm name (HS512) → 401', async () => {
    const claims = JSON.parse(Buffer.from(t.adminToken.split('.')[1]!, 'base64url').toString());
    const token = await new SignJWT({ sid: claims.sid }).setProtectedHeader({ alg: 'HS512' }).setSubject(claims.sub).setIssuer('sightline').setAudience('sightline-api').setIssuedAt().setExpirationTime('5m').sign(secret());
    expect((await me(token)).statusCode).toBe(401);
  });

  it('every refusal is audited with its reason, never the token', async () => {
    const entries = await auditEntries('access.unauthenticated');
    const reasons = new Set(entries.map((e) => e.details?.reason));
    expect(reasons).toEqual(new Set(['missing', 'malformed', 'invalid_token']));
    expect(JSON.stringify(entries)).not.toContain(t.adminToken);
  });
});

describe('refresh tokens', () => {
  it('rotate on each use; a spent one presented again revokes the whole family', async () => {
    const first = await t.login(ADMIN.email, ADMIN.password);
    const refresh = (token: string) => t.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } }, null);
    const second = await refresh(first.refresh_token);
    expect(second.statusCode).toBe(200);
    const secondBody = second.json();
    expect(secondBody.refresh_token).not.toBe(first.refresh_token);
    const third = await refresh(secondBody.refresh_token);
    expect(third.statusCode).toBe(200);
    const thirdBody = third.json();
    expect((await me(thirdBody.access_token)).statusCode).toBe(200);

    // The spent first token comes back (stolen and replayed): refused, and the family is revoked.
    const replay = await refresh(first.refresh_token);
    expect(replay.statusCode).toBe(401);
    expect((await refresh(thirdBody.refresh_token)).statusCode).toBe(401);
    expect((await me(thirdBody.access_token)).statusCode).toBe(401);
    expect((await me(first.access_token)).statusCode).toBe(401);
    // Other sessions of the same user are untouched.
    expect((await me(t.adminToken)).statusCode).toBe(200);
    const reuse = await auditEntries('auth.refresh_reuse');
    expect(reuse).toHaveLength(1);
    expect(reuse[0]).toMatchObject({ outcome: 'denied', details: { revoked: true } });
  });

  it('refuses an unknown, malformed or forged refresh token', async () => {
    const session = await t.login(ADMIN.email, ADMIN.password);
    const forged = session.refresh_token.slice(0, -4) + (session.refresh_token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    for (const token of ['rt_0000000000000000_' + 'A'.repeat(43), 'nonsense', forged]) {
      const res = await t.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: token } }, null);
      expect(res.statusCode).toBe(401);
    }
    // The forged attempt did not spend the real token.
    expect((await t.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: session.refresh_token } }, null)).statusCode).toBe(200);
  });
});

describe('logout', () => {
  it('revokes the session: its access token and refresh token stop working at once', async () => {
    const session = await t.login(ADMIN.email, ADMIN.password);
    expect((await me(session.access_token)).statusCode).toBe(200);
    const out = await t.inject({ method: 'POST', url: '/v1/auth/logout' }, session.access_token);
    expect(out.statusCode).toBe(204);
    expect((await me(session.access_token)).statusCode).toBe(401);
    expect((await t.inject({ method: 'POST', url: '/v1/auth/refresh', payload: { refresh_token: session.refresh_token } }, null)).statusCode).toBe(401);
    expect((await auditEntries('auth.logout')).length).toBeGreaterThanOrEqual(1);
  });
});

describe('first admin and one-time passwords', () => {
  it('without SIGHTLINE_ADMIN_*, prints a one-time password once; it must be changed before anything else', async () => {
    const lines: string[] = [];
    const { buildApp } = await import('../src/app.js');
    const { loadConfig } = await import('../src/config.js');
    const { makeDataDir } = await import('./support/harness.js');
    const { rmSync } = await import('node:fs');
    const dataDir = makeDataDir();
    const config = loadConfig({}, { dataDir, logLevel: 'silent' });
    const app = await buildApp(config, { announce: (line) => lines.push(line) });
    try {
      expect(lines).toHaveLength(1);
      const password = /one-time password (\S+)/.exec(lines[0]!)![1]!;
      expect(lines[0]).toContain('admin@localhost');
      const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'admin@localhost', password } });
      expect(login.json()).toMatchObject({ password_change_required: true });
      const token = login.json().access_token as string;
      const auth = { authorization: `Bearer ${token}` };
      const blocked = await app.inject({ url: '/v1/users', headers: auth });
      expect(blocked.statusCode).toBe(403);
      expect(blocked.json().code).toBe('password_change_required');

      const weak = await app.inject({ method: 'POST', url: '/v1/auth/password', headers: auth, payload: { current_password: password, new_password: 'short' } });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().errors[0].path).toBe('/new_password');
      const changed = await app.inject({ method: 'POST', url: '/v1/auth/password', headers: auth, payload: { current_password: password, new_password: 'a brand new passphrase 7' } });
      expect(changed.statusCode).toBe(200);
      // The old session ended with the change; the answer's tokens carry on.
      expect((await app.inject({ url: '/v1/users', headers: auth })).statusCode).toBe(401);
      const fresh = { authorization: `Bearer ${changed.json().access_token}` };
      expect((await app.inject({ url: '/v1/users', headers: fresh })).statusCode).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'admin@localhost', password } })).statusCode).toBe(401);
    } finally {
      await app.close();
    }
    // A second start finds the admin and prints nothing.
    const again = await buildApp(config, { announce: (line) => lines.push(line) });
    await again.close();
    expect(lines).toHaveLength(1);
    rmSync(dataDir, { recursive: true, force: true });
  });
});
