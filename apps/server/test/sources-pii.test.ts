/**
 * Sources (their settings, who may see and change them) and their PII rules applied at ingest,
 * checked against the real store and a plain-TypeScript reference of the keyed hash.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../src/features/packs/random.js';
import { makeDataDir, startTestApp, type TestApp } from './support/harness.js';

const NOW = Date.parse('2026-03-01T12:00:00Z');
const KEY = randomBytes(32);
/** The reference: HMAC-SHA256 under HKDF(secret key, info "sightline pii hash"), hex. */
const PII_KEY = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), 'sightline pii hash', 32));
const hash = (value: string) => createHmac('sha256', PII_KEY).update(value, 'utf8').digest('hex');

let t: TestApp;
const dataDir = makeDataDir();
beforeAll(async () => {
  t = await startTestApp({ now: NOW, dataDir, keep: true, config: { secretKey: KEY } });
});
afterAll(async () => t.close());

const post = (payload: unknown, token?: string) => t.inject({ method: 'POST', url: '/v1/sources', payload: payload as object }, token);
const patch = (name: string, payload: unknown, token?: string) => t.inject({ method: 'PATCH', url: `/v1/sources/${name}`, payload: payload as object }, token);
const ingest = async (events: unknown[]) => {
  const res = await t.inject({ method: 'POST', url: '/v1/events', payload: { events } });
  expect(res.statusCode, res.body).toBe(200);
};
/** The stored events of a source, props parsed, by id. */
async function stored(source: string): Promise<Map<string, { actor: string | null; props: Record<string, unknown> | null }>> {
  const rows = (await t.app.eventStore.query('SELECT id, actor, props::VARCHAR FROM events WHERE source = $1', [source])) as [string, string | null, string | null][];
  return new Map(rows.map(([id, actor, props]) => [id, { actor, props: props === null ? null : JSON.parse(props) }]));
}
const userWithRole = (role: string) => t.userToken(role);

describe('sources', () => {
  it('are created, read, changed in part and deleted (their settings, not their events)', async () => {
    const created = await post({ name: 'crud', description: 'The shop', retention_days: 90, pii: { 'props.email': 'hash' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({
      name: 'crud',
      description: 'The shop',
      retention_days: 90,
      pii: { 'props.email': 'hash' },
      has_webhook_secret: false,
      rollup: { dimensions: [] },
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updated_at: created.json().created_at,
    });
    expect((await post({ name: 'crud' })).statusCode).toBe(409);
    expect((await t.inject('/v1/sources/crud')).json()).toEqual(created.json());
    expect((await t.inject('/v1/sources')).json().sources.map((s: { name: string }) => s.name)).toContain('crud');

    const described = await patch('crud', { description: 'Web shop' });
    expect(described.json()).toMatchObject({ description: 'Web shop', retention_days: 90, pii: { 'props.email': 'hash' } });
    const ruled = await patch('crud', { pii: { actor: 'hash', 'props.card': 'drop' }, retention_days: null });
    expect(ruled.json()).toMatchObject({ description: 'Web shop', retention_days: null, pii: { actor: 'hash', 'props.card': 'drop' } });
    expect((await patch('crud', {})).statusCode).toBe(400);
    expect((await patch('nosuch', { description: 'x' })).statusCode).toBe(404);

    await ingest([{ source: 'crud', name: 'kept', id: 'k1' }]);
    expect((await t.inject({ method: 'DELETE', url: '/v1/sources/crud' })).statusCode).toBe(204);
    expect((await t.inject('/v1/sources/crud')).statusCode).toBe(404);
    expect((await t.inject({ method: 'DELETE', url: '/v1/sources/crud' })).statusCode).toBe(404);
    expect((await stored('crud')).has('k1')).toBe(true);

    const audit = (await t.inject('/v1/audit?target=source:crud')).json().entries as { action: string; details: Record<string, unknown> | null }[];
    expect(audit.map((e) => e.action).reverse()).toEqual(['source.create', 'source.update', 'source.update', 'source.delete']);
    expect(audit.at(-1)!.details).toMatchObject({ fields: ['description', 'retention_days', 'pii'] });
  });

  it('refuse a bad rule with the JSON Pointer of each bad rule, and unknown fields', async () => {
    const deep = `props.${Array.from({ length: 8 }, (_, i) => `l${i}`).join('.')}`;
    expect((await post({ name: 'deep', pii: { [deep]: 'mask', actor: 'drop', 'props._x.Y_2': 'hash' } })).statusCode).toBe(201);
    const res = await post({
      name: 'bad',
      pii: {
        'props.x/y': 'hash',
        'props.a~b': 'mask',
        [`${deep}.l8`]: 'drop',
        'props.': 'hash',
        'props.a..b': 'hash',
        'props.1a': 'hash',
        name: 'hash',
        'props.email': 'encrypt',
        value: 'drop',
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('invalid_request');
    expect(res.json().errors.map((e: { path: string }) => e.path).sort()).toEqual(
      ['/pii/props.x~1y', '/pii/props.a~0b', `/pii/${deep}.l8`, '/pii/props.', '/pii/props.a..b', '/pii/props.1a', '/pii/name', '/pii/props.email', '/pii/value'].sort(),
    );
    expect(res.json().errors.find((e: { path: string }) => e.path === '/pii/props.email').message).toBe('must be one of hash, mask, drop');
    expect((await t.inject('/v1/sources/bad')).statusCode).toBe(404);
    expect((await patch('deep', { pii: { 'props.x/y': 'hash' } })).json().errors).toEqual([{ path: '/pii/props.x~1y', message: expect.any(String) }]);
    expect((await post({ name: 'extra', colour: 'red' })).statusCode).toBe(400);
    expect((await post({ name: 'Not A Name' })).statusCode).toBe(400);
    expect((await post({ name: 'short', webhook_secret: 'short' })).statusCode).toBe(400);
  });

  it('are seen only by who may read them and changed only by who may write them', async () => {
    await post({ name: 'visible' });
    await post({ name: 'hidden' });
    const viewer = await userWithRole('viewer');
    expect((await t.inject('/v1/sources/hidden', viewer)).statusCode).toBe(200);
    expect((await post({ name: 'byviewer' }, viewer)).statusCode).toBe(403);
    expect((await patch('visible', { description: 'x' }, viewer)).statusCode).toBe(403);
    expect((await t.inject({ method: 'DELETE', url: '/v1/sources/visible' }, viewer)).statusCode).toBe(403);

    expect((await t.inject({ method: 'PUT', url: '/v1/roles/visible_reader', payload: { grants: [{ source: 'visible', access: 'read' }] } })).statusCode).toBe(201);
    const reader = await userWithRole('visible_reader');
    const names = (await t.inject('/v1/sources', reader)).json().sources.map((s: { name: string }) => s.name);
    expect(names).toEqual(['visible']);
    expect((await t.inject('/v1/sources/hidden', reader)).statusCode).toBe(404);

    // An admin key narrowed to one source: 404 for what it cannot see, 403 for what it cannot create.
    const key = (await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'k', scopes: ['admin'], sources: ['visible'] } })).json().key as string;
    expect((await patch('visible', { description: 'by key' }, key)).statusCode).toBe(200);
    expect((await patch('hidden', { description: 'by key' }, key)).statusCode).toBe(404);
    expect((await t.inject({ method: 'DELETE', url: '/v1/sources/hidden' }, key)).statusCode).toBe(404);
    expect((await post({ name: 'other' }, key)).statusCode).toBe(403);
    expect((await t.inject('/v1/sources', key)).json().sources.map((s: { name: string }) => s.name)).toEqual(['visible']);
  });
});

describe('PII rules at ingest', () => {
  const RULES = { actor: 'hash', 'props.email': 'hash', 'props.card': 'drop', 'props.name': 'mask', 'props.customer.email': 'hash', 'props.n': 'mask', 'props.flag': 'mask' };

  beforeAll(async () => {
    expect((await post({ name: 'shop', pii: RULES })).statusCode).toBe(201);
  });

  it('hashes (keyed), masks and drops, nested paths included, and leaves missing fields alone', async () => {
    await ingest([
      {
        id: 'e1',
        source: 'shop',
        name: 'order_completed',
        actor: 'alice@example.com',
        value: 42,
        props: { email: 'alice@example.com', card: '4111 1111 1111 1111', name: 'Alice', customer: { email: 'c@example.com', tier: 'gold' }, n: 12345, flag: true, country: 'DE' },
      },
      { id: 'e2', source: 'shop', name: 'page_view', props: { country: 'FR', customer: 'not an object', name: 'É', list: [{ email: 'x' }] } },
      { id: 'e3', source: 'shop', name: 'page_view', actor: 'bob', props: { name: '🦊fox', email: 7 } },
      { id: 'e4', source: 'shop', name: 'bare' },
      { id: 'e5', source: 'shop', name: 'nulls', actor: null, props: { email: null, name: '' } },
    ]);
    const events = await stored('shop');
    expect(events.get('e1')).toEqual({
      actor: hash('alice@example.com'),
      props: { email: hash('alice@example.com'), name: 'A***', customer: { email: hash('c@example.com'), tier: 'gold' }, n: '***', flag: '***', country: 'DE' },
    });
    expect(events.get('e2')).toEqual({ actor: null, props: { country: 'FR', customer: 'not an object', name: '***', list: [{ email: 'x' }] } });
    // A non-string is hashed as its JSON text; a mask keeps one whole character, never half a surrogate pair.
    expect(events.get('e3')).toEqual({ actor: hash('bob'), props: { name: '🦊***', email: hash('7') } });
    expect(events.get('e4')).toEqual({ actor: null, props: null });
    expect(events.get('e5')).toEqual({ actor: null, props: { email: null, name: '***' } });
  });

  it('leaves the raw values nowhere in the events table, and the same batch for a source without rules untouched', async () => {
    const raw = ['carol@example.com', '5500 0000 0000 0004', 'Carol', 'carol.customer@example.com'];
    const props = { email: raw[0], card: raw[1], name: raw[2], customer: { email: raw[3] } };
    await ingest([
      { id: 'r1', source: 'shop', name: 'x', actor: raw[0], props },
      { id: 'r1', source: 'norules', name: 'x', actor: raw[0], props },
    ]);
    const rows = (await t.app.eventStore.query(`SELECT source, id, name, actor, props::VARCHAR FROM events WHERE source = 'shop'`, [])) as unknown[][];
    const text = JSON.stringify(rows);
    for (const value of raw) expect(text).not.toContain(value);
    expect(text).not.toContain('5500');
    expect(await stored('norules')).toEqual(new Map([['r1', { actor: raw[0], props }]]));
  });

  it('counts distinct hashed actors exactly like the raw ones (uniq, per event name)', async () => {
    const random = new Random(7);
    const names = ['view', 'cart', 'buy'];
    const events = Array.from({ length: 3000 }, (_, i) => ({
      id: `u${i}`,
      source: 'uniqshop',
      name: random.pick(names),
      actor: `user${random.int(400)}@example.com`,
      ts: NOW - 1000 - random.int(5 * 86_400_000),
    }));
    expect((await post({ name: 'uniqshop', pii: { actor: 'hash' } })).statusCode).toBe(201);
    await ingest(events);
    const reference = new Map<string, Set<string>>();
    for (const e of events) (reference.get(e.name) ?? reference.set(e.name, new Set()).get(e.name)!).add(e.actor);
    const res = await t.inject({
      method: 'POST',
      url: '/v1/query',
      payload: { source: 'uniqshop', measures: [{ as: 'actors', fn: 'uniq' }], dimensions: ['name'], range: { last: '7d' } },
    });
    expect(res.statusCode, res.body).toBe(200);
    const answer = new Map((res.json().rows as [string, number][]).map(([name, n]) => [name, n]));
    expect(answer).toEqual(new Map([...reference].map(([name, actors]) => [name, actors.size])));
    const [[stillRaw]] = (await t.app.eventStore.query(`SELECT count(*) FROM events WHERE source = 'uniqshop' AND actor LIKE '%@%'`, [])) as [[number]];
    expect(stillRaw).toBe(0);
  });

  it('follow a change of the rules at once, and a deleted source no more', async () => {
    await post({ name: 'changing', pii: { 'props.email': 'drop' } });
    await ingest([{ id: 'c1', source: 'changing', name: 'x', props: { email: 'a@b.c', name: 'Dora' } }]);
    await patch('changing', { pii: { 'props.name': 'mask' } });
    await ingest([{ id: 'c2', source: 'changing', name: 'x', props: { email: 'a@b.c', name: 'Dora' } }]);
    await t.inject({ method: 'DELETE', url: '/v1/sources/changing' });
    await ingest([{ id: 'c3', source: 'changing', name: 'x', props: { email: 'a@b.c', name: 'Dora' } }]);
    const events = await stored('changing');
    expect(events.get('c1')!.props).toEqual({ name: 'Dora' });
    expect(events.get('c2')!.props).toEqual({ email: 'a@b.c', name: 'D***' });
    expect(events.get('c3')!.props).toEqual({ email: 'a@b.c', name: 'Dora' });
  });

  it('are loaded again at start', async () => {
    await t.close();
    t = await startTestApp({ now: NOW, dataDir, keep: true, config: { secretKey: KEY } });
    await ingest([{ id: 'after-restart', source: 'shop', name: 'x', actor: 'erin', props: { card: '1234' } }]);
    expect((await stored('shop')).get('after-restart')).toEqual({ actor: hash('erin'), props: {} });
  });
});
