/** Password guessing is cut off per account and per client address, with lockouts that grow. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ config: { loginGuard: { accountFailures: 3, ipFailures: 6, windowSeconds: 900, lockoutSeconds: 1 } } });
});
afterAll(async () => t.close());

const login = (email: string, password: string, ip = '198.51.100.7') =>
  t.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password }, remoteAddress: ip });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('login brute force', () => {
  it('locks an account after repeated failures, even for the right password, and the lockout doubles', async () => {
    for (let i = 0; i < 3; i++) expect((await login(ADMIN.email, `wrong guess number ${i}`)).statusCode).toBe(401);
    const locked = await login(ADMIN.email, ADMIN.password);
    expect(locked.statusCode).toBe(429);
    expect(locked.json()).toMatchObject({ code: 'rate_limited', status: 429 });
    expect(Number(locked.headers['retry-after'])).toBe(1);
    // From another address too: the account itself is locked.
    expect((await login(ADMIN.email, ADMIN.password, '203.0.113.9')).statusCode).toBe(429);

    await sleep(1100);
    expect((await login(ADMIN.email, ADMIN.password)).statusCode).toBe(200);
    // The second lockout of the day lasts twice as long.
    for (let i = 0; i < 3; i++) expect((await login(ADMIN.email, `another wrong guess ${i}`, '203.0.113.10')).statusCode).toBe(401);
    const again = await login(ADMIN.email, ADMIN.password);
    expect(again.statusCode).toBe(429);
    expect(Number(again.headers['retry-after'])).toBe(2);
    await sleep(2100);
    expect((await login(ADMIN.email, ADMIN.password)).statusCode).toBe(200);

    const audit = (await t.inject('/v1/audit?action=auth.login&limit=1000')).json().entries as { outcome: string; details: Record<string, unknown> }[];
    expect(audit.filter((e) => e.details?.locked_out).map((e) => e.details.lockout_seconds)).toEqual([2, 1]);
    expect(audit.filter((e) => e.outcome === 'denied' && e.details?.reason === 'locked_out').length).toBeGreaterThanOrEqual(3);
  });

  it('locks a client address that guesses across many accounts; other addresses are unaffected', async () => {
    const ip = '192.0.2.44';
    for (let i = 0; i < 6; i++) expect((await login(`victim${i}@example.com`, 'guessed password 1', ip)).statusCode).toBe(401);
    expect((await login('yet-another@example.com', 'guessed password 1', ip)).statusCode).toBe(429);
    expect((await login(ADMIN.email, ADMIN.password, ip)).statusCode).toBe(429);
    expect((await login(ADMIN.email, ADMIN.password, '192.0.2.45')).statusCode).toBe(200);
  });
});
