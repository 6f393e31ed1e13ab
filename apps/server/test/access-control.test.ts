/**
 * Who may do what: built-in and custom roles, source-scoped API keys, and the rule that every route
 * declares the permission it needs. Each refusal is a 403 with the path of what asked for too much.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { ADMIN, USER_PASSWORD, makeDataDir, startTestApp, type TestApp } from './support/harness.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: NOW });
});
afterAll(async () => t.close());

const PASSWORD = USER_PASSWORD;
const event = (source: string, id: string) => ({ id, source, name: 'x', ts: NOW - 60_000, actor: 'a1', value: 1 });
const ingest = (token: string, events: unknown[]) => t.inject({ method: 'POST', url: '/v1/events', payload: { events } }, token);
const query = (token: string, source: string | string[]) =>
  t.inject({ method: 'POST', url: '/v1/query', payload: { source, measures: [{ as: 'n', fn: 'count' }], range: { last: '1d' } } }, token);
const count = async (source: string) => {
  const [[n]] = (await t.app.eventStore.query('SELECT count(*) FROM events WHERE source = $1', [source])) as [[number]];
  return n;
};

const userWithRole = (role: string) => t.userToken(role);

async function key(scopes: string[], sources: string[], token = t.adminToken): Promise<string> {
  const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'k', scopes, sources } }, token);
  expect(res.statusCode).toBe(201);
  return res.json().key as string;
}

describe('built-in roles', () => {
  it('a viewer reads every source but writes nothing', async () => {
    await ingest(t.adminToken, [event('shop', 'v-seed')]);
    const viewer = await userWithRole('viewer');
    expect((await query(viewer, 'shop')).statusCode).toBe(200);
    const write = await ingest(viewer, [event('shop', 'v1')]);
    expect(write.statusCode).toBe(403);
    expect(write.json()).toMatchObject({ code: 'forbidden' });
    const metric = await t.inject({ method: 'PUT', url: '/v1/metrics/m1', payload: { fn: 'count' } }, viewer);
    expect(metric.statusCode).toBe(403);
    expect((await t.inject('/v1/users', viewer)).statusCode).toBe(403);
    expect((await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'k', scopes: ['read'], sources: ['shop'] } }, viewer)).statusCode).toBe(403);
    expect(await count('shop')).toBe(1);
  });

  it('an editor writes sources and metrics, but manages no users, roles or audit', async () => {
    const editor = await userWithRole('editor');
    expect((await ingest(editor, [event('tasks', 'e1')])).statusCode).toBe(200);
    expect((await t.inject({ method: 'PUT', url: '/v1/metrics/editor_metric', payload: { fn: 'count' } }, editor)).statusCode).toBe(201);
    for (const url of ['/v1/users', '/v1/roles', '/v1/audit']) expect((await t.inject(url, editor)).statusCode).toBe(403);
    // It can make keys for itself, never an admin key.
    expect((await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'k', scopes: ['admin'], sources: ['*'] } }, editor)).json()).toMatchObject({
      code: 'forbidden',
      errors: [{ path: '/scopes/0' }],
    });
    expect(typeof (await key(['ingest'], ['tasks'], editor))).toBe('string');
  });
});

describe('custom roles', () => {
  it('a researcher writes research and only reads modelhub; a developer writes tasks only', async () => {
    const put = (name: string, grants: unknown) => t.inject({ method: 'PUT', url: `/v1/roles/${name}`, payload: { description: name, grants } });
    expect((await put('researcher', [{ source: 'research', access: 'write' }, { source: 'modelhub', access: 'read' }])).statusCode).toBe(201);
    expect((await put('developer', [{ source: 'tasks', access: 'write' }])).statusCode).toBe(201);
    await ingest(t.adminToken, [event('modelhub', 'mh-seed'), event('tasks', 'tk-seed'), event('shop', 'sh-seed')]);
    const researcher = await userWithRole('researcher');
    const developer = await userWithRole('developer');

    expect((await ingest(researcher, [event('research', 'r1')])).statusCode).toBe(200);
    expect((await query(researcher, 'research')).statusCode).toBe(200);
    expect((await query(researcher, 'modelhub')).statusCode).toBe(200);
    const denied = await ingest(researcher, [event('research', 'r2'), event('modelhub', 'r3')]);
    expect(denied.statusCode).toBe(403);
    expect(denied.json().errors).toEqual([{ path: '/events/1/source', message: 'is a source you may not write' }]);
    const crossRead = await query(researcher, ['modelhub', 'shop']);
    expect(crossRead.statusCode).toBe(403);
    expect(crossRead.json().errors).toEqual([{ path: '/source/1', message: 'is a source you may not read' }]);

    expect((await ingest(developer, [event('tasks', 'd1')])).statusCode).toBe(200);
    expect((await query(developer, 'tasks')).statusCode).toBe(200);
    expect((await ingest(developer, [event('shop', 'd2')])).statusCode).toBe(403);
    expect((await query(developer, 'shop')).statusCode).toBe(403);
    expect((await query(developer, 'modelhub')).statusCode).toBe(403);

    // Nothing of a refused batch was stored.
    expect(await count('research')).toBe(1);
    expect(await count('modelhub')).toBe(1);
    expect(await count('shop')).toBeGreaterThanOrEqual(1);
  });

  it('a role change applies to the next request; a role in use cannot be deleted; built-ins cannot change', async () => {
    const email = `mover@example.com`;
    const created = await t.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD, role: 'viewer' } });
    const token = (await t.login(email, PASSWORD)).access_token;
    expect((await ingest(token, [event('shop', 'mv1')])).statusCode).toBe(403);
    await t.inject({ method: 'PATCH', url: `/v1/users/${created.json().id}`, payload: { role: 'developer' } });
    expect((await ingest(token, [event('tasks', 'mv2')])).statusCode).toBe(200);
    expect((await t.inject({ method: 'DELETE', url: '/v1/roles/developer' })).statusCode).toBe(409);
    expect((await t.inject({ method: 'PUT', url: '/v1/roles/admin', payload: { grants: [] } })).statusCode).toBe(409);
    const unknown = await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'x@example.com', password: PASSWORD, role: 'nosuchrole' } });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([{ path: '/role', message: 'is not a known role' }]);
  });
});

describe('API keys', () => {
  it('a key limited to shop cannot read or write tasks', async () => {
    const shopIngest = await key(['ingest'], ['shop']);
    const shopRead = await key(['read'], ['shop']);
    expect((await ingest(shopIngest, [event('shop', 'k1')])).statusCode).toBe(200);
    const otherSource = await ingest(shopIngest, [event('tasks', 'k2')]);
    expect(otherSource.statusCode).toBe(403);
    expect(otherSource.json().errors).toEqual([{ path: '/events/0/source', message: 'is a source you may not write' }]);
    // An ingest key reads nothing back, even of its own source.
    expect((await query(shopIngest, 'shop')).statusCode).toBe(403);
    expect((await query(shopRead, 'shop')).statusCode).toBe(200);
    expect((await query(shopRead, 'tasks')).statusCode).toBe(403);
    expect((await ingest(shopRead, [event('shop', 'k3')])).statusCode).toBe(403);
    expect((await t.inject('/v1/users', shopRead)).statusCode).toBe(403);
  });

  it('the secret is shown once, stored hashed, and revocation is immediate', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'ci', scopes: ['ingest'], sources: ['shop'], expires_in_days: 90 } });
    const created = res.json();
    expect(created.key.startsWith(created.prefix)).toBe(true);
    expect(Date.parse(created.expires_at) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    const listed = await t.inject('/v1/keys');
    expect(listed.body).not.toContain(created.key);
    expect(listed.json().keys.find((k: { id: string }) => k.id === created.id)).toMatchObject({ prefix: created.prefix, name: 'ci' });
    const [[stored]] = (await t.app.eventStore.query('SELECT key_hash FROM api_keys WHERE id = $1', [created.id])) as [[string]];
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
    expect(stored).not.toContain(created.key.split('_').at(-1));

    expect((await ingest(created.key, [event('shop', 'rv1')])).statusCode).toBe(200);
    expect((await t.inject({ method: 'DELETE', url: `/v1/keys/${created.id}` })).statusCode).toBe(204);
    expect((await ingest(created.key, [event('shop', 'rv2')])).statusCode).toBe(401);
    expect((await t.inject({ method: 'DELETE', url: `/v1/keys/${created.id}` })).statusCode).toBe(409);
  });

  it('records when a key was last used', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'used', scopes: ['read'], sources: ['*'] } });
    const { id, key: secret } = res.json();
    expect((await t.inject(`/v1/keys/${id}`)).json().last_used_at).toBeNull();
    await t.inject('/v1/metrics', secret);
    // Last-used times are written in batches; a close (or the periodic flush) writes them.
    await t.app.close();
    const { openStores } = await import('../src/store/open.js');
    const stores = await openStores(t.config);
    const stored = await stores.keys.get(id);
    await stores.close();
    expect(stored!.lastUsedAt).toEqual(expect.any(Number));
    expect(Math.abs(stored!.lastUsedAt! - Date.now())).toBeLessThan(60_000);
    t = await startTestApp({ now: NOW, dataDir: t.dataDir });
  });

  it('an expired key and a forged key are refused', async () => {
    const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'short', scopes: ['read'], sources: ['*'], expires_in_days: 1 } });
    const { id, key: secret } = res.json();
    await t.app.eventStore.query("UPDATE api_keys SET expires_at = now() - INTERVAL 1 MINUTE WHERE id = $1", [id]);
    // The directory caches keys for a few seconds: a fresh app reads the row as it is now.
    const fresh = await startTestApp({ now: NOW, dataDir: t.dataDir, keep: true });
    try {
      expect((await fresh.inject('/v1/metrics', secret)).statusCode).toBe(401);
      const forged = secret.slice(0, -3) + (secret.endsWith('AAA') ? 'BBB' : 'AAA');
      expect((await fresh.inject('/v1/metrics', forged)).statusCode).toBe(401);
    } finally {
      await fresh.close();
    }
  });
});

describe('every route declares its permission', () => {
  it('walks the registered routes: none without a permission; only the documented ones public', () => {
    const routes = t.app.routePermissions;
    expect(routes.length).toBeGreaterThan(20);
    expect(routes.filter((r) => r.permission === undefined)).toEqual([]);
    const publicRoutes = routes
      .filter((r) => r.permission === 'public' && r.method !== 'HEAD')
      .map((r) => `${r.method} ${r.url}`)
      .sort();
    // GET /v1/live is public at the HTTP level only: the WebSocket authenticates in its first message.
    // GET / and GET /* are the web app's page and assets (an API path under them is a 404 problem).
    const allowed = ['GET /health', 'GET /ready', 'POST /v1/auth/login', 'POST /v1/auth/refresh', 'OPTIONS *', 'GET /v1/live', 'GET /', 'GET /*'];
    for (const route of publicRoutes) expect(allowed).toContain(route);
    expect(routes.find((r) => r.method === 'GET' && r.url === '/metrics')?.permission).toBe('metrics:scrape');
  });

  it('a route registered without a permission is refused to everyone, even an admin', async () => {
    const dataDir = makeDataDir();
    const app = await buildApp(loadConfig({}, { dataDir, logLevel: 'silent', adminEmail: ADMIN.email, adminPassword: ADMIN.password }));
    try {
      app.get('/v1/undeclared', async () => ({ secret: 'data' }));
      const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: ADMIN });
      const res = await app.inject({ url: '/v1/undeclared', headers: { authorization: `Bearer ${login.json().access_token}` } });
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toContain('data');
      expect(app.routePermissions.find((r) => r.url === '/v1/undeclared')?.permission).toBeUndefined();
    } finally {
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
