/**
 * Privacy requests: export and erasure of everything stored about one actor, across sources,
 * including sources whose rules store the actor only as its keyed hash. Checked against direct
 * reads of the store.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../src/features/packs/random.js';
import { makeDataDir, startTestApp, type TestApp } from './support/harness.js';

const NOW = Date.parse('2026-04-01T00:00:00Z');
const KEY = randomBytes(32);
const PII_KEY = Buffer.from(hkdfSync('sha256', KEY, Buffer.alloc(0), 'sightline pii hash', 32));
const hash = (value: string) => createHmac('sha256', PII_KEY).update(value, 'utf8').digest('hex');
const SUBJECT = 'alice+test@example.com';
const OTHERS = ['bob@example.com', 'carol@example.com', 'alice@example.com', 'ALICE+TEST@example.com'];

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ now: NOW, config: { secretKey: KEY } });
  // `tasks` stores actors only as their keyed hash.
  expect((await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'tasks', pii: { actor: 'hash', 'props.email': 'hash' } } })).statusCode).toBe(201);
  const random = new Random(11);
  const events = Array.from({ length: 600 }, (_, i) => {
    const actor = random.chance(0.3) ? SUBJECT : random.pick(OTHERS);
    return {
      id: `ev${i}`,
      source: random.pick(['shop', 'tasks', 'modelhub']),
      name: random.pick(['view', 'order_completed', 'task_done']),
      ts: NOW - 1 - random.int(30 * 86_400_000),
      actor,
      ...(random.chance(0.5) ? { value: random.int(10_000) / 100 } : {}),
      ...(random.chance(0.7) ? { props: { email: actor, plan: random.pick(['free', 'pro']), nested: { n: random.int(5) } } } : {}),
    };
  });
  const res = await t.inject({ method: 'POST', url: '/v1/events', payload: { events } });
  expect(res.statusCode, res.body).toBe(200);
});
afterAll(async () => t.close());

const subjectUrl = (actor: string) => `/v1/privacy/subjects/${encodeURIComponent(actor)}`;

/** The reference: the subject's rows read straight from the store, in the export's shape and order. */
async function directRead(actors: string[]): Promise<Record<string, unknown>[]> {
  const rows = (await t.app.eventStore.query(
    `SELECT id, source, name, epoch_ms(ts), actor, value, props::VARCHAR FROM events WHERE actor IN (${actors.map((_, i) => `$${i + 1}`).join(', ')}) ORDER BY ts, seq`,
    actors,
  )) as [string, string, string, number, string, number | null, string | null][];
  return rows.map(([id, source, name, ts, actor, value, props]) => ({
    id,
    source,
    name,
    ts: new Date(ts).toISOString(),
    actor,
    value,
    props: props === null ? null : JSON.parse(props),
  }));
}
const countAll = async () => ((await t.app.eventStore.query('SELECT count(*) FROM events', [])) as [[number]])[0]![0];

const userWithRole = (role: string) => t.userToken(role);

describe('privacy requests', () => {
  it('refuse anyone without privacy:manage', async () => {
    for (const role of ['viewer', 'editor']) {
      const token = await userWithRole(role);
      expect((await t.inject(subjectUrl(SUBJECT), token)).statusCode).toBe(403);
      expect((await t.inject({ method: 'DELETE', url: subjectUrl(SUBJECT) }, token)).statusCode).toBe(403);
    }
    expect((await t.inject(subjectUrl(SUBJECT), null)).statusCode).toBe(401);
  });

  it('export exactly the subject’s events, hashed sources included, as NDJSON', async () => {
    const expected = await directRead([SUBJECT, hash(SUBJECT)]);
    expect(expected.some((e) => e.source === 'tasks' && e.actor === hash(SUBJECT))).toBe(true);
    expect(expected.some((e) => e.source === 'shop' && e.actor === SUBJECT)).toBe(true);
    const res = await t.inject(subjectUrl(SUBJECT));
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/x-ndjson/);
    expect(res.body.endsWith('\n')).toBe(true);
    const lines = res.body.trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual(expected);
    for (const line of lines) expect(Object.keys(line)).toEqual(['id', 'source', 'name', 'ts', 'actor', 'value', 'props']);
    // Someone with no events: an empty export.
    const nobody = await t.inject(subjectUrl('nobody@example.com'));
    expect(nobody.statusCode).toBe(200);
    expect(nobody.body).toBe('');
  });

  it('stream from the store in chunks', async () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ id: `bulk${i}`, source: 'bulk', name: 'x', ts: NOW - 1 - i, actor: 'bulk-actor' }));
    expect((await t.inject({ method: 'POST', url: '/v1/events', payload: { events: many } })).statusCode).toBe(200);
    const sizes: number[] = [];
    for await (const chunk of t.app.eventStore.eventsOfActor(['bulk-actor'])) sizes.push(chunk.length);
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2048);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(5000);
    const lines = (await t.inject(subjectUrl('bulk-actor'))).body.trimEnd().split('\n');
    expect(lines).toHaveLength(5000);
    // Oldest first.
    expect(JSON.parse(lines[0]!).id).toBe('bulk4999');
    // A consumer that stops early releases the store's connection.
    for await (const chunk of t.app.eventStore.eventsOfActor(['bulk-actor'])) {
      expect(chunk.length).toBeGreaterThan(0);
      break;
    }
  });

  it('an admin key narrowed to one source exports and erases only there', async () => {
    const key = (await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'dpo', scopes: ['admin'], sources: ['modelhub'] } })).json().key as string;
    const actor = 'narrow@example.com';
    await t.inject({
      method: 'POST',
      url: '/v1/events',
      payload: [
        { id: 'n1', source: 'modelhub', name: 'x', actor, ts: NOW - 10 },
        { id: 'n2', source: 'shop', name: 'x', actor, ts: NOW - 5 },
      ],
    });
    const exported = (await t.inject(subjectUrl(actor), key)).body.trimEnd().split('\n').map((line) => JSON.parse(line).id);
    expect(exported).toEqual(['n1']);
    expect((await t.inject({ method: 'DELETE', url: subjectUrl(actor) }, key)).json()).toEqual({ erased: 1 });
    expect((await directRead([actor])).map((e) => e.id)).toEqual(['n2']);
  });

  it('erase the subject’s events everywhere and nothing else', async () => {
    const subject = await directRead([SUBJECT, hash(SUBJECT)]);
    const before = await countAll();
    const othersBefore = await Promise.all(OTHERS.map((o) => directRead([o, hash(o)])));
    const res = await t.inject({ method: 'DELETE', url: subjectUrl(SUBJECT) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ erased: subject.length });
    expect(subject.length).toBeGreaterThan(100);
    expect(await directRead([SUBJECT, hash(SUBJECT)])).toEqual([]);
    expect(await countAll()).toBe(before - subject.length);
    expect(await Promise.all(OTHERS.map((o) => directRead([o, hash(o)])))).toEqual(othersBefore);
    expect((await t.inject(subjectUrl(SUBJECT))).body).toBe('');
    expect((await t.inject({ method: 'DELETE', url: subjectUrl(SUBJECT) })).json()).toEqual({ erased: 0 });
  });

  it('leave audit entries that name the subject only by its keyed hash', async () => {
    const res = await t.inject('/v1/audit?action=privacy.&limit=1000');
    const entries = res.json().entries as { action: string; target: string; outcome: string; details: unknown }[];
    const ofSubject = entries.filter((e) => e.target === `actor:${hash(SUBJECT)}`).reverse();
    expect(ofSubject.map((e) => e.action)).toEqual(['privacy.export', 'privacy.erase', 'privacy.export', 'privacy.erase']);
    expect(ofSubject[1]!.details).toEqual({ erased: expect.any(Number) });
    expect(res.body).not.toContain(SUBJECT);
    expect(res.body).not.toContain(encodeURIComponent(SUBJECT));
    expect(res.body).not.toContain('narrow@example.com');
    // The refusals are audited by route, not by subject.
    const refused = (await t.inject('/v1/audit?action=access.forbidden')).json().entries as { target: string }[];
    expect(refused.map((e) => e.target)).toContain('GET /v1/privacy/subjects/:actor');
  });
});

describe('privacy requests after a key rotation', () => {
  it('find events hashed under a previous secret key too', async () => {
    const dataDir = makeDataDir();
    const [a, b] = [randomBytes(32), randomBytes(32)];
    let app = await startTestApp({ now: NOW, dataDir, keep: true, config: { secretKey: a } });
    await app.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'tasks', pii: { actor: 'hash' } } });
    await app.inject({ method: 'POST', url: '/v1/events', payload: [{ id: 'before', source: 'tasks', name: 'x', actor: SUBJECT, ts: NOW - 20 }] });
    await app.close();
    app = await startTestApp({ now: NOW, dataDir, config: { secretKey: b, previousSecretKeys: [a] } });
    try {
      await app.inject({ method: 'POST', url: '/v1/events', payload: [{ id: 'after', source: 'tasks', name: 'x', actor: SUBJECT, ts: NOW - 10 }] });
      const exported = (await app.inject(subjectUrl(SUBJECT))).body.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(exported.map((e) => e.id)).toEqual(['before', 'after']);
      // Each is stored under the hash of the key current when it arrived.
      expect(exported[0].actor).not.toBe(exported[1].actor);
      expect((await app.inject({ method: 'DELETE', url: subjectUrl(SUBJECT) })).json()).toEqual({ erased: 2 });
    } finally {
      await app.close();
    }
  });
});
