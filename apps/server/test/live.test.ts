/**
 * The live channel on a listening server with real WebSockets: authentication (first message or
 * subprotocol, never the URL), the origin check, message validation, flooding, limits, permissions
 * per subscription, revocation, live queries (shared, throttled, checked against POST /v1/query),
 * filtered tails, and a reader that stops reading.
 */
import { LIVE_CLOSE, LIVE_SUBPROTOCOL, type LiveEvent, type LiveServerMessage } from '@sightline/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { ADMIN, startTestApp, type TestApp } from './support/harness.js';
import { LiveTestClient } from './support/live-client.js';

const PASSWORD = 'long enough test password';
const COUNT_SHOP = { source: 'shop', measures: [{ as: 'n', fn: 'count' }, { as: 'revenue', fn: 'sum', of: 'value' }], range: { last: '1d' } };

type Live = Partial<Config['live']>;

async function listening(live: Live = {}, config: Partial<Config> = {}): Promise<TestApp & { url: string }> {
  const t = await startTestApp({ config: { ...config, live: { ...defaults, ...live } } });
  const url = await t.app.listen({ port: 0, host: '127.0.0.1' });
  return Object.assign(t, { url });
}
const defaults: Config['live'] = {
  maxConnections: 100,
  messagesPerSecond: 50,
  maxSubscriptions: 10,
  queryUpdatesPerSecond: 20,
  heartbeatSeconds: 30,
  sendQueueBytes: 1024 * 1024,
  authTimeoutSeconds: 10,
};

async function ingest(t: TestApp, events: unknown[], token = t.adminToken): Promise<void> {
  const res = await t.inject({ method: 'POST', url: '/v1/events', payload: { events } }, token);
  expect(res.statusCode, res.body).toBe(200);
}

async function userWithRole(t: TestApp, role: string): Promise<{ id: string; token: string }> {
  const email = `${role}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const created = await t.inject({ method: 'POST', url: '/v1/users', payload: { email, password: PASSWORD, role } });
  expect(created.statusCode, created.body).toBe(201);
  return { id: created.json().id as string, token: (await t.login(email, PASSWORD)).access_token };
}

async function createKey(t: TestApp, scopes: string[], sources: string[]): Promise<{ id: string; key: string }> {
  const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'live', scopes, sources } });
  expect(res.statusCode, res.body).toBe(201);
  return { id: res.json().id as string, key: res.json().key as string };
}

const isError = (code: string) => (m: LiveServerMessage) => m.type === 'error' && m.code === code;

describe('authentication and the handshake', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await listening({ authTimeoutSeconds: 1 });
  });
  afterAll(async () => t.close());

  it('a bad token in the first message gets an error and close 4401, and is audited', async () => {
    const client = await LiveTestClient.open(t.url);
    client.send({ type: 'auth', token: 'not-a-token' });
    await client.next(isError('unauthorized'));
    expect((await client.closed).code).toBe(LIVE_CLOSE.unauthorized);
    const audit = await t.inject('/v1/audit?action=access.unauthenticated');
    expect(audit.json().entries.some((e: { target: string }) => e.target === 'GET /v1/live')).toBe(true);
  });

  it('anything but auth first is refused with 4401', async () => {
    const client = await LiveTestClient.open(t.url);
    client.send({ type: 'subscribe', topic: 'events:shop' });
    await client.next(isError('unauthorized'));
    expect((await client.closed).code).toBe(LIVE_CLOSE.unauthorized);
  });

  it('a token in the URL counts for nothing: the connection still has to authenticate, and times out', async () => {
    const client = new LiveTestClient(new (await import('ws')).default(`${t.url.replace('http', 'ws')}/v1/live?token=${t.adminToken}&access_token=${t.adminToken}`));
    await client.opened;
    const closed = await client.closed;
    expect(closed.code).toBe(LIVE_CLOSE.policy);
    expect(closed.reason).toMatch(/authentication timeout/);
    expect(client.messages.some((m) => m.type === 'ready')).toBe(false);
  });

  it('a bearer subprotocol authenticates in the handshake; the answer names our protocol, never the token', async () => {
    const client = await LiveTestClient.open(t.url, { protocols: [LIVE_SUBPROTOCOL, `bearer.${t.adminToken}`] });
    expect(client.socket.protocol).toBe(LIVE_SUBPROTOCOL);
    await client.next((m) => m.type === 'ready');
    client.close();
    const refused = await LiveTestClient.open(t.url, { protocols: [LIVE_SUBPROTOCOL, 'bearer.forged'] });
    await refused.next(isError('unauthorized'));
    expect((await refused.closed).code).toBe(LIVE_CLOSE.unauthorized);
  });

  it('an API key authenticates too; a user with a one-time password does not', async () => {
    const { key } = await createKey(t, ['read'], ['shop']);
    (await LiveTestClient.ready(t.url, key)).close();
    const created = await t.inject({ method: 'POST', url: '/v1/users', payload: { email: 'otp@example.com', password: PASSWORD, role: 'viewer', must_change_password: true } });
    expect(created.statusCode).toBe(201);
    const client = await LiveTestClient.open(t.url);
    client.send({ type: 'auth', token: (await t.login('otp@example.com', PASSWORD)).access_token });
    await client.next(isError('password_change_required'));
    expect((await client.closed).code).toBe(LIVE_CLOSE.unauthorized);
  });

  it('a plain GET without an upgrade gets a problem, not an empty answer', async () => {
    const res = await fetch(`${t.url}/v1/live`);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'invalid_request' });
  });
});

describe('origin', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await listening({}, { corsOrigins: ['https://dash.example.com'] });
  });
  afterAll(async () => t.close());

  it('refuses the upgrade from an origin that is not allowed (403), accepts listed and same origins and clients without one', async () => {
    await expect(LiveTestClient.open(t.url, { headers: { origin: 'https://evil.example' } })).rejects.toThrow(/403/);
    await expect(LiveTestClient.open(t.url, { headers: { origin: 'null' } })).rejects.toThrow(/403/);
    (await LiveTestClient.open(t.url, { headers: { origin: 'https://dash.example.com' } })).close();
    (await LiveTestClient.open(t.url, { headers: { origin: t.url } })).close();
    (await LiveTestClient.open(t.url)).close();
  });
});

describe('messages and limits', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await listening({ messagesPerSecond: 5, maxConnections: 3, maxSubscriptions: 2 });
  });
  afterAll(async () => t.close());

  it('answers every malformed message with invalid_message and the path of what was wrong', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    const cases: [unknown, string][] = [
      ['not json', ''],
      [[1, 2], ''],
      [{ kind: 'subscribe' }, '/type'],
      [{ type: 'launch' }, '/type'],
      [{ type: 'subscribe', topic: 42 }, '/topic'],
      [{ type: 'subscribe', topic: 'events:shop', query: { source: 'shop' } }, '/topic'],
      [{ type: 'unsubscribe' }, '/topic'],
      [{ type: 'ping', id: 1, extra: true }, '/extra'],
    ];
    for (const [message, path] of cases) {
      client.send(typeof message === 'string' ? message : JSON.stringify(message));
      const error = await client.next(isError('invalid_message'));
      expect(error.type === 'error' && error.errors?.map((e) => e.path)).toContain(path);
      await new Promise((r) => setTimeout(r, 200)); // stay under 5 messages a second
    }
    client.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    await client.next(isError('invalid_message'));
    client.send({ type: 'ping', id: 'x' });
    expect(await client.next((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'x' });
    client.close();
  });

  it('a message larger than the limit closes the connection with 1009', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    client.send({ type: 'subscribe', query: { source: 'shop', pad: 'x'.repeat(70 * 1024) } });
    expect((await client.closed).code).toBe(LIVE_CLOSE.tooBig);
  });

  it('a flooding client is told rate_limited, then closed with 1008', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    for (let i = 0; i < 200 && client.socket.readyState === client.socket.OPEN; i++) client.send({ type: 'ping', id: i });
    const closed = await client.closed;
    expect(closed.code).toBe(LIVE_CLOSE.policy);
    expect(closed.reason).toMatch(/rate limit/);
    expect(client.messages.some(isError('rate_limited'))).toBe(true);
    expect(client.messages.filter((m) => m.type === 'pong').length).toBeLessThan(20);
  });

  it('holds at most maxSubscriptions per connection and maxConnections per server, saying so', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    await client.subscribe({ topic: 'events:a' });
    await client.subscribe({ topic: 'events:b' });
    client.send({ type: 'subscribe', topic: 'events:c' });
    expect(await client.next(isError('too_many_subscriptions'))).toMatchObject({ topic: 'events:c' });
    const others = [await LiveTestClient.open(t.url), await LiveTestClient.open(t.url)];
    const extra = await LiveTestClient.open(t.url);
    const closed = await extra.closed;
    expect(closed.code).toBe(LIVE_CLOSE.full);
    expect(closed.reason).toMatch(/server full: 3 live connections/);
    for (const c of [client, ...others]) c.close();
  });
});

describe('subscriptions and permissions', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await listening();
    const put = await t.inject({ method: 'PUT', url: '/v1/roles/shop_viewer', payload: { description: 'reads shop', grants: [{ source: 'shop', access: 'read' }] } });
    expect(put.statusCode).toBeLessThan(300);
  });
  afterAll(async () => t.close());

  it('a reader of shop cannot subscribe to tasks (tail or query), nor to unknown topics', async () => {
    const { token } = await userWithRole(t, 'shop_viewer');
    const client = await LiveTestClient.ready(t.url, token);
    expect(await client.subscribe({ topic: 'events:shop' })).toBe('events:shop');
    client.send({ type: 'subscribe', topic: 'events:tasks' });
    expect(await client.next(isError('forbidden'))).toMatchObject({ topic: 'events:tasks' });
    client.send({ type: 'subscribe', query: { source: ['shop', 'tasks'], measures: [{ as: 'n', fn: 'count' }] } });
    const refused = await client.next(isError('forbidden'));
    expect(refused.type === 'error' && refused.errors).toEqual([{ path: '/query/source/1', message: 'is a source you may not read' }]);
    for (const topic of ['jobs:123', 'query:nope', 'query:dash/panel', 'weather', 'events:BAD SOURCE']) {
      client.send({ type: 'subscribe', topic });
      expect(await client.next(isError('not_found'))).toMatchObject({ topic });
    }
    client.send({ type: 'subscribe', query: { source: 'shop', measures: [{ as: 'n', fn: 'cnt' }] } });
    const invalid = await client.next(isError('invalid_query'));
    expect(invalid.type === 'error' && invalid.errors?.[0].path).toBe('/query/measures/0/fn');
    client.close();
  });

  it('an ingest-only key may not subscribe to anything', async () => {
    const { key } = await createKey(t, ['ingest'], ['shop']);
    const client = await LiveTestClient.ready(t.url, key);
    client.send({ type: 'subscribe', topic: 'events:shop' });
    await client.next(isError('forbidden'));
    client.close();
  });

  it('a query:<id> already live can be joined by id, by someone who may read its sources', async () => {
    const admin = await LiveTestClient.ready(t.url, t.adminToken);
    const topic = await admin.subscribe({ query: { source: 'tasks', measures: [{ as: 'n', fn: 'count' }] } });
    const { token } = await userWithRole(t, 'shop_viewer');
    const reader = await LiveTestClient.ready(t.url, token);
    reader.send({ type: 'subscribe', topic });
    expect(await reader.next(isError('forbidden'))).toMatchObject({ topic });
    const viewer = await LiveTestClient.ready(t.url, (await userWithRole(t, 'viewer')).token);
    expect(await viewer.subscribe({ topic })).toBe(topic);
    await viewer.next((m) => m.type === 'update' && m.topic === topic);
    for (const c of [admin, reader, viewer]) c.close();
  });
});

describe('revocation', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    // No periodic check within the test's time: only the immediate one can close these connections.
    t = await listening({ heartbeatSeconds: 3600 });
  });
  afterAll(async () => t.close());

  it('disabling a user closes their live connections at once; other users stay connected', async () => {
    const victim = await userWithRole(t, 'viewer');
    const bystander = await userWithRole(t, 'viewer');
    const a = await LiveTestClient.ready(t.url, victim.token);
    const b = await LiveTestClient.ready(t.url, bystander.token);
    const res = await t.inject({ method: 'PATCH', url: `/v1/users/${victim.id}`, payload: { disabled: true } });
    expect(res.statusCode, res.body).toBe(200);
    expect((await a.closed).code).toBe(LIVE_CLOSE.unauthorized);
    b.send({ type: 'ping', id: 1 });
    await b.next((m) => m.type === 'pong');
    b.close();
  });

  it('revoking an API key closes the connections that use it', async () => {
    const { id, key } = await createKey(t, ['read'], ['shop']);
    const client = await LiveTestClient.ready(t.url, key);
    expect((await t.inject({ method: 'DELETE', url: `/v1/keys/${id}` })).statusCode).toBe(204);
    expect((await client.closed).code).toBe(LIVE_CLOSE.unauthorized);
  });

  it('logging out closes the connections of that session', async () => {
    const user = await userWithRole(t, 'viewer');
    const client = await LiveTestClient.ready(t.url, user.token);
    expect((await t.inject({ method: 'POST', url: '/v1/auth/logout' }, user.token)).statusCode).toBe(204);
    expect((await client.closed).code).toBe(LIVE_CLOSE.unauthorized);
  });

  it('a role that loses a source loses its subscriptions to it, with an error, and keeps the connection', async () => {
    const put = (grants: unknown) => t.inject({ method: 'PUT', url: '/v1/roles/shrinking', payload: { description: 'x', grants } });
    expect((await put([{ source: 'shop', access: 'read' }, { source: 'tasks', access: 'read' }])).statusCode).toBeLessThan(300);
    const user = await userWithRole(t, 'shrinking');
    const client = await LiveTestClient.ready(t.url, user.token);
    await client.subscribe({ topic: 'events:shop' });
    await client.subscribe({ topic: 'events:tasks' });
    expect((await put([{ source: 'shop', access: 'read' }])).statusCode).toBeLessThan(300);
    expect(await client.next(isError('forbidden'))).toMatchObject({ topic: 'events:tasks' });
    await ingest(t, [{ source: 'shop', name: 'still' }, { source: 'tasks', name: 'gone' }]);
    const update = await client.next((m) => m.type === 'update');
    expect(update).toMatchObject({ topic: 'events:shop' });
    await new Promise((r) => setTimeout(r, 200));
    expect(client.updates('events:tasks')).toEqual([]);
    client.close();
  });
});

describe('live queries', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await listening({ queryUpdatesPerSecond: 2 });
  });
  afterAll(async () => t.close());

  const reference = async (body: object) => {
    const res = await t.inject({ method: 'POST', url: '/v1/query', payload: body });
    expect(res.statusCode).toBe(200);
    return res.json().rows as unknown[][];
  };
  const rowsOf = (m: LiveServerMessage) => (m.type === 'update' ? (m.data as { rows: unknown[][] }).rows : undefined);

  it('identical queries share one topic and one computation; an ingested batch reaches every listener, equal to POST /v1/query', async () => {
    const a = await LiveTestClient.ready(t.url, t.adminToken);
    const b = await LiveTestClient.ready(t.url, (await userWithRole(t, 'viewer')).token);
    const topic = await a.subscribe({ query: COUNT_SHOP });
    // The same query with its keys in another order.
    const reordered = { range: { last: '1d' }, measures: [{ fn: 'count', as: 'n' }, { of: 'value', fn: 'sum', as: 'revenue' }], source: 'shop' };
    expect(await b.subscribe({ query: reordered })).toBe(topic);
    expect(t.app.liveHub.stats().queries).toBe(1);
    const first = await a.next((m) => m.type === 'update' && m.topic === topic);
    expect(rowsOf(first)).toEqual(await reference(COUNT_SHOP));
    await b.next((m) => m.type === 'update' && m.topic === topic);

    await ingest(t, [
      { source: 'shop', name: 'order', value: 12.5 },
      { source: 'shop', name: 'order', value: 30 },
    ]);
    const expected = await reference(COUNT_SHOP);
    expect(expected[0][0]).toBe(2);
    for (const client of [a, b]) {
      const update = await client.next((m) => m.type === 'update' && m.topic === topic && JSON.stringify(rowsOf(m)) === JSON.stringify(expected));
      expect(rowsOf(update)).toEqual(expected);
    }
    a.close();
    b.close();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.app.liveHub.stats().queries).toBe(0);
  });

  it('recomputes at most queryUpdatesPerSecond times a second however many batches arrive, and ends on the full result', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    const body = { ...COUNT_SHOP, source: 'burst' };
    const topic = await client.subscribe({ query: body });
    await client.next((m) => m.type === 'update' && m.topic === topic);
    const started = Date.now();
    for (let i = 0; i < 30; i++) {
      await ingest(t, [{ source: 'burst', name: 'x', value: i }]);
      await new Promise((r) => setTimeout(r, 50));
    }
    const expected = await reference(body);
    expect(expected[0][0]).toBe(30);
    await client.next((m) => m.type === 'update' && JSON.stringify(rowsOf(m)) === JSON.stringify(expected));
    const elapsed = (Date.now() - started) / 1000;
    const updates = 1 + client.updates(topic).length; // the last one was taken by next()
    // 2 a second: one at once on the first batch, then one per half second.
    expect(updates).toBeLessThanOrEqual(Math.ceil(elapsed * 2) + 1);
    expect(updates).toBeGreaterThanOrEqual(2);
    client.close();
  });

  it('a batch outside the query’s sources or time range sends nothing', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    const body = { source: 'narrow', measures: [{ as: 'n', fn: 'count' }], range: { from: '2026-01-01T00:00:00Z', to: '2026-02-01T00:00:00Z' } };
    const topic = await client.subscribe({ query: body });
    await client.next((m) => m.type === 'update' && m.topic === topic);
    await ingest(t, [{ source: 'other', name: 'x' }, { source: 'narrow', name: 'late', ts: '2026-03-01T00:00:00Z' }]);
    await ingest(t, [{ source: 'narrow', name: 'inside', ts: '2026-01-15T00:00:00Z' }]);
    const update = await client.next((m) => m.type === 'update' && m.topic === topic);
    expect(rowsOf(update)).toEqual(await reference(body));
    expect(rowsOf(update)).toEqual([[1]]);
    expect(client.updates(topic)).toEqual([]);
    client.close();
  });

  it('stays equal to POST /v1/query through duplicates, erasure, and queries that cannot be folded (uniq, funnels)', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    const bodies = {
      folded: { source: 'mixed', measures: [{ as: 'n', fn: 'count' }, { as: 'top', fn: 'max', of: 'value' }], dimensions: ['name'], interval: 'hour', range: { last: '1d' } },
      uniq: { source: 'mixed', measures: [{ as: 'people', fn: 'uniq' }], range: { last: '1d' } },
      funnel: { kind: 'funnel', source: 'mixed', steps: [{ name: 'view' }, { name: 'buy' }], range: { last: '1d' } },
    };
    const topics: Record<string, string> = {};
    /** The rows of each topic's latest update. */
    const latest: Record<string, string> = {};
    for (const [name, body] of Object.entries(bodies)) {
      topics[name] = await client.subscribe({ query: body });
      latest[name] = JSON.stringify(rowsOf(await client.next((m) => m.type === 'update' && m.topic === topics[name])));
    }
    const settled = async () => {
      for (const [name, body] of Object.entries(bodies)) {
        const expected = JSON.stringify(await reference(body));
        while (latest[name] !== expected) {
          latest[name] = JSON.stringify(rowsOf(await client.next((m) => m.type === 'update' && m.topic === topics[name])));
        }
      }
    };
    await ingest(t, [
      { id: 'm1', source: 'mixed', name: 'view', actor: 'a', value: 1 },
      { id: 'm2', source: 'mixed', name: 'buy', actor: 'a', value: 5 },
      { id: 'm3', source: 'mixed', name: 'view', actor: 'b', value: 2 },
    ]);
    await settled();
    // A batch with a duplicate: the store does not say which events were new, so the fold cannot be used.
    await ingest(t, [
      { id: 'm1', source: 'mixed', name: 'view', actor: 'a', value: 1 },
      { id: 'm4', source: 'mixed', name: 'buy', actor: 'b', value: 9 },
    ]);
    await settled();
    expect((await reference(bodies.uniq))[0][0]).toBe(2);
    const erased = await t.inject({ method: 'DELETE', url: '/v1/privacy/subjects/b' });
    expect(erased.statusCode, erased.body).toBe(200);
    await settled();
    expect((await reference(bodies.uniq))[0][0]).toBe(1);
    client.close();
  });

  it('unsubscribe stops the updates', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    const topic = await client.subscribe({ query: { ...COUNT_SHOP, source: 'quiet' } });
    await client.next((m) => m.type === 'update' && m.topic === topic);
    client.send({ type: 'unsubscribe', topic });
    await client.next((m) => m.type === 'unsubscribed' && m.topic === topic);
    await ingest(t, [{ source: 'quiet', name: 'x' }]);
    client.send({ type: 'ping', id: 'after' });
    await client.next((m) => m.type === 'pong');
    await new Promise((r) => setTimeout(r, 300));
    expect(client.updates(topic)).toEqual([]);
    client.close();
  });
});

describe('event tails', () => {
  let t: TestApp & { url: string };
  beforeAll(async () => {
    t = await listening();
  });
  afterAll(async () => t.close());

  it('an ingested event reaches the subscriber, filtered, as stored (PII rules applied)', async () => {
    const source = await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'signups', pii: { 'props.email': 'drop' } } });
    expect(source.statusCode, source.body).toBe(201);
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    await client.subscribe({ topic: 'events:signups', filters: [{ field: 'props.plan', op: 'in', value: ['pro', 'team'] }] });
    await ingest(t, [
      { source: 'signups', name: 'signup', actor: 'u1', props: { plan: 'free', email: 'a@example.com' } },
      { source: 'signups', name: 'signup', actor: 'u2', props: { plan: 'pro', email: 'b@example.com' } },
      { source: 'signups', name: 'signup', actor: 'u3', props: { plan: 'team' } },
    ]);
    const update = await client.next((m) => m.type === 'update' && m.topic === 'events:signups');
    const events = (update as { data: LiveEvent[] }).data;
    expect(events.map((e) => e.actor)).toEqual(['u2', 'u3']);
    expect(events[0].props).toEqual({ plan: 'pro' });
    client.send({ type: 'subscribe', topic: 'events:signups', filters: [{ field: 'props.plan', op: 'like', value: 'p%' }] });
    const error = await client.next(isError('invalid_query'));
    expect(error.type === 'error' && error.errors?.[0].path).toBe('/filters/0/op');
    client.close();
  });

  it('a reader that stops reading costs bounded memory: updates wait, coalesce and drop the oldest events', async () => {
    const bound = 64 * 1024;
    const slow = await listening({ sendQueueBytes: bound });
    try {
      const client = await LiveTestClient.ready(slow.url, slow.adminToken);
      const topic = await client.subscribe({ query: { ...COUNT_SHOP, source: 'flood' } });
      await client.subscribe({ topic: 'events:flood' });
      await client.next((m) => m.type === 'update' && m.topic === topic);
      // Stop reading: the kernel's buffers fill, then the server's queue must stop growing.
      (client.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket.pause();
      const pad = 'p'.repeat(1000);
      let published = 0;
      let maxQueued = 0;
      for (let batch = 0; batch < 40; batch++) {
        const events = Array.from({ length: 500 }, (_, i) => ({ source: 'flood', name: 'x', value: 1, props: { pad, i } }));
        published += JSON.stringify(events).length;
        await ingest(slow, events);
        maxQueued = Math.max(maxQueued, slow.app.liveHub.stats().maxQueuedBytes);
      }
      expect(published).toBeGreaterThan(20 * 1024 * 1024);
      // In flight: at most the bound plus one frame; waiting: one result per query, 1000 events per tail.
      expect(maxQueued).toBeLessThan(bound + 600 * 1024 + 1000 * 200 + 64 * 1024);
      (client.socket as unknown as { _socket: { resume(): void } })._socket.resume();
      const expected = (await slow.inject({ method: 'POST', url: '/v1/query', payload: { ...COUNT_SHOP, source: 'flood' } })).json().rows;
      expect(expected[0][0]).toBe(20_000);
      await client.next((m) => m.type === 'update' && m.topic === topic && JSON.stringify((m.data as { rows: unknown }).rows) === JSON.stringify(expected), 30_000);
      const dropped = await client.next((m) => m.type === 'update' && m.topic === 'events:flood' && (m.dropped ?? 0) > 0, 30_000);
      const received = client.updates('events:flood').reduce((n, m) => n + (m as { data: unknown[] }).data.length, 0) + (dropped as { data: unknown[] }).data.length;
      expect(received + (dropped as { dropped: number }).dropped).toBeLessThanOrEqual(20_000);
      client.close();
    } finally {
      await slow.close();
    }
  });
});

describe('heartbeat', () => {
  it('closes a connection whose access token has expired', async () => {
    const t = await listening({ heartbeatSeconds: 1 }, { accessTokenSeconds: 2 });
    try {
      const client = await LiveTestClient.ready(t.url, (await t.login(ADMIN.email, ADMIN.password)).access_token);
      const closed = await client.closed;
      expect(closed.code).toBe(LIVE_CLOSE.unauthorized);
      expect(client.messages.some(isError('unauthorized'))).toBe(true);
    } finally {
      await t.close();
    }
  });

  it('drops a peer that does not answer pings', async () => {
    const t = await listening({ heartbeatSeconds: 1 });
    try {
      const silent = await LiveTestClient.open(t.url, { autoPong: false });
      silent.send({ type: 'auth', token: t.adminToken });
      await silent.next((m) => m.type === 'ready');
      const healthy = await LiveTestClient.ready(t.url, t.adminToken);
      const closed = await silent.closed;
      expect(closed.code).toBe(1006); // terminated, no close frame
      expect(healthy.socket.readyState).toBe(healthy.socket.OPEN);
      healthy.close();
    } finally {
      await t.close();
    }
  });
});
