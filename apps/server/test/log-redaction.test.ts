/**
 * The log never holds a secret or a personal value: a real server process logs at `debug` while it
 * is used the way clients and attackers use it, then its whole output is searched for every
 * password, token, key, e-mail address and property value that went through it.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeDataDir } from './support/harness.js';
import { startServerProcess, waitForExit, type ServerProcess } from './support/server-process.js';

const ADMIN_EMAIL = 'root.operator@redaction.example';
const ADMIN_PASSWORD = 'correct horse battery staple 77';
const WRONG_PASSWORD = 'wrong-password-Quokka-5531';
const UNKNOWN_EMAIL = 'nobody.here@unknown-redaction.example';
const NEW_USER_EMAIL = 'analyst.person@redaction.example';
const NEW_USER_PASSWORD = 'analyst passphrase Wombat 9081';
const PROP_EMAIL = 'jane.doe+shopper@customer-redaction.example';
const PROP_VALUE = 'distinctive-prop-value-Xq7Zk2';
const ACTOR_EMAIL = 'actor.person@actor-redaction.example';
const FILTER_VALUE = 'filter-value-Pv93LmQ';
const BAD_TOKEN = 'eyJhbGciOiJIUzI1NiJ9.bm90LWEtcmVhbC10b2tlbg.Forged-Signature-Ab12Cd34';
const BAD_KEY = 'sl_forgedkey_0123456789abcdefghijKLMNOP';
const NOW = Date.now();

let server: ServerProcess;
const dataDir = makeDataDir();
beforeAll(async () => {
  server = await startServerProcess({
    SIGHTLINE_DATA_DIR: dataDir,
    SIGHTLINE_LOG_LEVEL: 'debug',
    SIGHTLINE_ADMIN_EMAIL: ADMIN_EMAIL,
    SIGHTLINE_ADMIN_PASSWORD: ADMIN_PASSWORD,
  });
});
afterAll(async () => {
  if (server.child.exitCode === null) server.child.kill('SIGTERM');
  await waitForExit(server.child);
  rmSync(dataDir, { recursive: true, force: true });
});

async function call(path: string, init: { method?: string; token?: string; body?: unknown; type?: string } = {}): Promise<{ status: number; body: string }> {
  const headers: Record<string, string> = {};
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = init.type ?? 'application/json';
    body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  }
  const res = await fetch(`${server.url}${path}`, { method: init.method ?? (body === undefined ? 'GET' : 'POST'), headers, body });
  return { status: res.status, body: await res.text() };
}

describe('log redaction', () => {
  it('no password, token, key, e-mail or property value reaches the log', async () => {
    const secrets: string[] = [ADMIN_EMAIL, ADMIN_PASSWORD, WRONG_PASSWORD, UNKNOWN_EMAIL, NEW_USER_EMAIL, NEW_USER_PASSWORD, PROP_EMAIL, PROP_VALUE, ACTOR_EMAIL, FILTER_VALUE, BAD_TOKEN, BAD_KEY];
    /** A token or key, and its last part on its own (a log that cut the prefix would still leak it). */
    const secret = (value: string) => secrets.push(value, value.slice(-20));

    // Logins: right, wrong password, unknown account.
    const login = await call('/v1/auth/login', { body: { email: ADMIN_EMAIL, password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const tokens = JSON.parse(login.body) as { access_token: string; refresh_token: string };
    secret(tokens.access_token);
    secret(tokens.refresh_token);
    expect((await call('/v1/auth/login', { body: { email: ADMIN_EMAIL, password: WRONG_PASSWORD } })).status).toBe(401);
    expect((await call('/v1/auth/login', { body: { email: UNKNOWN_EMAIL, password: WRONG_PASSWORD } })).status).toBe(401);

    // A refresh, then the old refresh token again (reuse).
    const refreshed = await call('/v1/auth/refresh', { body: { refresh_token: tokens.refresh_token } });
    expect(refreshed.status).toBe(200);
    const next = JSON.parse(refreshed.body) as { access_token: string; refresh_token: string };
    secret(next.access_token);
    secret(next.refresh_token);
    const admin = next.access_token;

    // A user with a password, and an API key that ingests.
    expect((await call('/v1/users', { token: admin, body: { email: NEW_USER_EMAIL, password: NEW_USER_PASSWORD, role: 'viewer' } })).status).toBe(201);
    const userLogin = await call('/v1/auth/login', { body: { email: NEW_USER_EMAIL, password: NEW_USER_PASSWORD } });
    expect(userLogin.status).toBe(200);
    secret((JSON.parse(userLogin.body) as { access_token: string }).access_token);
    const created = await call('/v1/keys', { token: admin, body: { name: 'shop ingest', scopes: ['ingest'], sources: ['shop'] } });
    expect(created.status).toBe(201);
    const key = (JSON.parse(created.body) as { key: string }).key;
    secret(key);

    const event = (id: string) => ({
      id,
      source: 'shop',
      name: 'signup',
      ts: NOW - 1000,
      actor: ACTOR_EMAIL,
      props: { email: PROP_EMAIL, note: PROP_VALUE, nested: { again: PROP_VALUE } },
    });
    expect((await call('/v1/events', { token: key, body: { events: [event('r-1'), event('r-2')] } })).status).toBe(200);
    const ndjson = [event('r-3'), event('r-4')].map((e) => JSON.stringify(e)).join('\n');
    expect((await call('/v1/events', { token: key, body: ndjson, type: 'application/x-ndjson' })).status).toBe(200);
    // An invalid event that carries the values too.
    expect((await call('/v1/events', { token: key, body: { events: [{ ...event('r-5'), ts: PROP_VALUE }] } })).status).toBe(400);
    // A key used where it has no permission.
    expect((await call('/v1/users', { token: key })).status).toBe(403);

    // Malformed credentials.
    expect((await call('/v1/metrics', { token: BAD_TOKEN })).status).toBe(401);
    expect((await call('/v1/metrics', { token: BAD_KEY })).status).toBe(401);
    expect((await call('/v1/metrics', { token: `${admin}x` })).status).toBe(401);

    // Queries: one with a filter value, one that is not valid, one whose values sit in the URL.
    const query = { source: 'shop', measures: [{ as: 'n', fn: 'count' }], filters: [{ field: 'props.email', op: 'eq', value: PROP_EMAIL }], range: { last: '1d' } };
    expect((await call('/v1/query', { token: admin, body: query })).status).toBe(200);
    const bad = await call('/v1/query', { token: admin, body: { ...query, filters: [{ field: FILTER_VALUE, op: 'eq', value: FILTER_VALUE }] } });
    expect(bad.status).toBeGreaterThanOrEqual(400);
    expect(bad.status).toBeLessThan(500);
    expect((await call(`/v1/audit?actor=${encodeURIComponent(ACTOR_EMAIL)}&target=${FILTER_VALUE}`, { token: admin })).status).toBe(200);
    // A path that holds an e-mail (as a privacy request for a subject does).
    const subject = await call(`/v1/privacy/subjects/${encodeURIComponent(PROP_EMAIL)}`, { token: admin });
    expect(subject.status).not.toBe(500);
    expect((await call(`/v1/no-such/${PROP_EMAIL}?q=${PROP_VALUE}`, { token: admin })).status).toBe(404);

    // Logout with the newest refresh token; then the process stops and flushes its log.
    expect((await call('/v1/auth/logout', { token: admin, body: { refresh_token: next.refresh_token } })).status).toBeLessThan(300);
    server.child.kill('SIGTERM');
    await waitForExit(server.child);

    const output = server.output();
    const lines = output.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    // The log is not empty: requests were logged, by route pattern, at debug level and above.
    expect(lines.filter((l) => l.msg === 'incoming request').length).toBeGreaterThan(15);
    const urls = new Set(lines.map((l) => (l.req as { url?: string } | undefined)?.url).filter(Boolean));
    expect([...urls]).toEqual(expect.arrayContaining(['/v1/auth/login', '/v1/auth/refresh', '/v1/events', '/v1/query', '/v1/audit', '/v1/users']));
    for (const url of urls) expect(url).not.toMatch(/[?@]/);

    const leaks = secrets.filter((s) => output.includes(s) || output.includes(encodeURIComponent(s)) || output.includes(JSON.stringify(s).slice(1, -1)));
    expect(leaks).toEqual([]);
    // No e-mail address of any kind, nor an Authorization header, whatever its form.
    expect(output.match(/[A-Za-z0-9._%+-]+(@|%40)[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g) ?? []).toEqual([]);
    expect(output).not.toMatch(/bearer /i);
  });
});
