/**
 * Two Sightline processes on one PostgreSQL database and one Redis prefix behave as one: an event
 * ingested through A is answered by a query on B (B's cached answer dropped) and pushed to B's live
 * subscribers; a rate limit is shared (N requests in all, not N per instance); a scheduled job runs
 * once per tick, not once per instance; a change made through A to what instances keep in memory
 * (metrics, keys, users, sessions, PII rules, rollup layouts) holds on B at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_PASSWORD } from './support/harness.js';
import { LiveTestClient } from './support/live-client.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { REDIS_TEST_URL, deletePrefix, uniquePrefix } from './support/redis.js';
import { startServerProcess, waitForExit, type ServerProcess } from './support/server-process.js';
import { pgAvailable, redisAvailable } from './support/services.js';

const available = (await pgAvailable()) && (await redisAvailable());
const JANUARY = { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' };
const COUNT_JANUARY = { source: 'mi', measures: [{ as: 'n', fn: 'count' }, { as: 'total', fn: 'sum', of: 'value' }], range: JANUARY };
const COUNT_LIVE = { source: 'mi_live', measures: [{ as: 'n', fn: 'count' }, { as: 'total', fn: 'sum', of: 'value' }], range: { last: '1d' } };
const COMPACT_EVERY_SECONDS = 1;
const QUERY_KEY_LIMIT = 6;

interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  meta: { cached: boolean; rollup?: string };
}

/** The same query forced onto raw events: a filter that keeps every event but names a field rollups lack. */
const forcedRaw = (q: object & { filters?: unknown[] }) => ({ ...q, filters: [...(q.filters ?? []), { field: 'actor', op: 'neq', value: '\u0001none' }] });

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe.runIf(available)('several instances on one PostgreSQL and one Redis', () => {
  const prefix = uniquePrefix();
  const dataDirs: string[] = [];
  let database: TestDatabase;
  let a: ServerProcess;
  let b: ServerProcess;

  const request = async (server: ServerProcess, method: string, url: string, body?: unknown, authorization?: string) => {
    const { authorization: admin } = await server.auth();
    // A JSON content type only with a body: an empty JSON body is refused (400).
    const headers: Record<string, string> = { authorization: authorization ?? admin, ...(body === undefined ? {} : { 'content-type': 'application/json' }) };
    const res = await fetch(server.url + url, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.text()) as string };
  };
  const json = async (server: ServerProcess, method: string, url: string, body?: unknown) => {
    const res = await request(server, method, url, body);
    expect(res.status, `${res.body}\n${server.output().slice(-3000)}`).toBeLessThan(300);
    return JSON.parse(res.body) as Record<string, unknown>;
  };
  const query = async (server: ServerProcess, body: unknown) => (await json(server, 'POST', '/v1/query', body)) as unknown as Answer;
  /** Logs a user in on `server`: the `Bearer …` authorization of its access token. */
  const login = async (server: ServerProcess, email: string): Promise<string> => {
    const res = await request(server, 'POST', '/v1/auth/login', { email, password: USER_PASSWORD }, 'Bearer none');
    expect(res.status, res.body).toBe(200);
    return `Bearer ${(JSON.parse(res.body) as { access_token: string }).access_token}`;
  };
  const createUser = async (role: string) => {
    const email = `mi-${role}-${Math.random().toString(36).slice(2, 10)}@example.com`;
    const user = await json(a, 'POST', '/v1/users', { email, password: USER_PASSWORD, role });
    return { id: String(user.id), email };
  };
  /** The stored events of a source: id → props, read from the database itself. */
  const storedProps = async (source: string): Promise<Map<string, Record<string, unknown>>> => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const result = await client.query<{ id: string; props: Record<string, unknown> }>('SELECT id, props FROM events WHERE source = $1', [source]);
      return new Map(result.rows.map((r) => [r.id, r.props]));
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    const env = (name: string): Record<string, string> => {
      const dataDir = mkdtempSync(path.join(tmpdir(), `sightline-mi-${name}-`));
      dataDirs.push(dataDir);
      return {
        SIGHTLINE_DATA_DIR: dataDir,
        SIGHTLINE_DATABASE_URL: database.url,
        SIGHTLINE_REDIS_URL: REDIS_TEST_URL,
        SIGHTLINE_REDIS_PREFIX: prefix,
        // Shared secrets: a token signed by one instance is good on the other.
        SIGHTLINE_JWT_SECRET: 'multi-instance-test-secret-0123456789-abcdefghij',
        SIGHTLINE_SECRET_KEY: 'ab'.repeat(32),
        SIGHTLINE_RATE_LIMIT_QUERY: `ip=0,user=100000/1s,key=${QUERY_KEY_LIMIT}/1m`,
        SIGHTLINE_ROLLUP_COMPACT_EVERY: String(COMPACT_EVERY_SECONDS),
      };
    };
    // One after the other: the first start creates the schema and the first admin.
    a = await startServerProcess(env('a'));
    b = await startServerProcess(env('b'));
  }, 120_000);

  afterAll(async () => {
    for (const server of [a, b]) {
      if (!server) continue;
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    }
    await database?.drop();
    await deletePrefix(REDIS_TEST_URL, prefix);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('an event ingested through A is answered by a query on B, whose cached answer is dropped', async () => {
    await json(a, 'POST', '/v1/events', { events: [{ source: 'mi', name: 'order', ts: '2025-01-10T00:00:00Z', value: 5 }] });
    expect((await query(b, COUNT_JANUARY)).rows).toEqual([[1, 5]]);
    expect((await query(b, COUNT_JANUARY)).meta.cached).toBe(true);
    // A's cache sees B's entry: one cache for both.
    expect((await query(a, COUNT_JANUARY)).meta.cached).toBe(true);
    await json(a, 'POST', '/v1/events', { events: [{ source: 'mi', name: 'order', ts: '2025-01-11T00:00:00Z', value: 7 }] });
    const after = await query(b, COUNT_JANUARY);
    expect(after.meta.cached).toBe(false);
    expect(after.rows).toEqual([[2, 12]]);
  });

  it('an event ingested through A reaches live subscribers on B: a tail and a live query', async () => {
    const token = (await b.auth()).authorization.slice('Bearer '.length);
    const client = await LiveTestClient.ready(b.url, token);
    try {
      await client.subscribe({ topic: 'events:mi_live' });
      const topic = await client.subscribe({ query: COUNT_LIVE });
      await client.next((m) => m.type === 'update' && m.topic === topic);
      for (let i = 1; i <= 3; i++) {
        await json(a, 'POST', '/v1/events', { events: [{ source: 'mi_live', name: 'tick', id: `t-${i}`, value: i }] });
        expect(await client.next((m) => m.type === 'update' && m.topic === 'events:mi_live')).toMatchObject({ data: [{ id: `t-${i}`, value: i }] });
      }
      // The live query on B ends equal to what a query answers (no event counted twice or missed).
      await until(async () => {
        const reference = (await query(a, COUNT_LIVE)).rows;
        const last = client.updates(topic).at(-1) as { data: { rows: unknown[][] } } | undefined;
        return JSON.stringify(last?.data.rows) === JSON.stringify(reference) && JSON.stringify(reference) === JSON.stringify([[3, 6]]);
      });
    } finally {
      client.socket.close();
    }
  });

  it('shares a rate limit: N requests in all through both instances, not N per instance', async () => {
    const created = await request(a, 'POST', '/v1/keys', { name: 'limited', scopes: ['read'], sources: ['*'] });
    expect(created.status, created.body).toBe(201);
    const key = JSON.parse(created.body) as { key: string };
    const authorization = `Bearer ${key.key}`;
    const statuses: number[] = [];
    for (let i = 0; i < QUERY_KEY_LIMIT; i++) {
      for (const server of [a, b]) statuses.push((await request(server, 'POST', '/v1/query', COUNT_JANUARY, authorization)).status);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(QUERY_KEY_LIMIT);
    expect(statuses.slice(QUERY_KEY_LIMIT).every((s) => s === 429)).toBe(true);
  });

  it('keeps one audit chain: changes recorded at once through both instances are all there, in one verified chain', async () => {
    const names = Array.from({ length: 12 }, (_, i) => `audited-${i}`);
    const results = await Promise.all(names.map((name, i) => request(i % 2 ? a : b, 'POST', '/v1/keys', { name, scopes: ['read'], sources: ['*'] })));
    expect(results.map((r) => r.status)).toEqual(names.map(() => 201));
    const ids = results.map((r) => (JSON.parse(r.body) as { id: string }).id);
    const trail = JSON.parse((await request(b, 'GET', '/v1/audit?action=key.create&limit=500')).body) as { entries: { target: string }[] };
    const recorded = new Set(trail.entries.map((e) => e.target));
    for (const id of ids) expect(recorded.has(`key:${id}`), id).toBe(true);
    const verified = JSON.parse((await request(a, 'GET', '/v1/audit/verify')).body) as { ok: boolean };
    expect(verified.ok).toBe(true);
  });

  it('runs a scheduled job once per tick, not once per instance', async () => {
    const completed = async (server: ServerProcess) => {
      const text = (await request(server, 'GET', '/metrics')).body;
      const match = /^sightline_jobs_total\{job="rollups:compact",outcome="completed"\} (\d+)$/m.exec(text);
      return match ? Number(match[1]) : 0;
    };
    await until(async () => (await completed(a)) + (await completed(b)) > 0);
    const before = (await completed(a)) + (await completed(b));
    const windowMs = 6000;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    const runs = (await completed(a)) + (await completed(b)) - before;
    const ticks = windowMs / (COMPACT_EVERY_SECONDS * 1000);
    expect(runs).toBeGreaterThanOrEqual(ticks - 2);
    expect(runs).toBeLessThanOrEqual(ticks + 1);
  });

  it('a metric defined through A is used by a query on B at once, and so is its changed definition', async () => {
    await json(a, 'POST', '/v1/events', {
      events: [
        { source: 'mi_cat', name: 'buy', ts: '2025-01-05T00:00:00Z', value: 10 },
        { source: 'mi_cat', name: 'buy', ts: '2025-01-06T00:00:00Z', value: 30 },
        { source: 'mi_cat', name: 'view', ts: '2025-01-06T00:00:00Z', value: 1 },
      ],
    });
    const q = { source: 'mi_cat', measures: ['mi_buys'], range: JANUARY };
    // B reads (and keeps) its catalog before the metric exists.
    const unknown = await request(b, 'POST', '/v1/query', q);
    expect(unknown.status, unknown.body).toBe(422);
    await json(a, 'PUT', '/v1/metrics/mi_buys', { fn: 'count', where: { name: 'buy' } });
    expect((await query(b, q)).rows).toEqual([[2]]);
    await json(a, 'PUT', '/v1/metrics/mi_buys', { fn: 'sum', where: { name: 'buy' } });
    expect((await query(b, q)).rows).toEqual([[40]]);
    expect((await request(a, 'DELETE', '/v1/metrics/mi_buys')).status).toBe(204);
    expect((await request(b, 'POST', '/v1/query', q)).status).toBe(422);
  });

  it('an API key revoked through A is refused on B at once', async () => {
    const created = await json(a, 'POST', '/v1/keys', { name: 'mi-revoked', scopes: ['read'], sources: ['*'] });
    const authorization = `Bearer ${String(created.key)}`;
    // B has looked the key up (and keeps it for a few seconds).
    expect((await request(b, 'GET', '/v1/metrics', undefined, authorization)).status).toBe(200);
    expect((await request(a, 'DELETE', `/v1/keys/${String(created.id)}`)).status).toBe(204);
    expect((await request(b, 'GET', '/v1/metrics', undefined, authorization)).status).toBe(401);
  });

  it('a user disabled through A is refused on B at once; a role changed through A applies on B at once', async () => {
    const disabled = await createUser('viewer');
    const token = await login(b, disabled.email);
    expect((await request(b, 'GET', '/v1/auth/me', undefined, token)).status).toBe(200);
    await json(a, 'PATCH', `/v1/users/${disabled.id}`, { disabled: true });
    expect((await request(b, 'GET', '/v1/auth/me', undefined, token)).status).toBe(401);

    // A role change ends no session: only the user's entry on B can tell.
    const demoted = await createUser('editor');
    const editorToken = await login(b, demoted.email);
    const metric = { fn: 'count' };
    expect((await request(b, 'PUT', '/v1/metrics/mi_editor', metric, editorToken)).status).toBe(201);
    await json(a, 'PATCH', `/v1/users/${demoted.id}`, { role: 'viewer' });
    expect((await request(b, 'PUT', '/v1/metrics/mi_editor', metric, editorToken)).status).toBe(403);
  });

  it('a session logged out through A, or revoked by a refresh token reused there, stops its access tokens on B at once', async () => {
    const user = await createUser('viewer');
    const token = await login(a, user.email);
    expect((await request(b, 'GET', '/v1/auth/me', undefined, token)).status).toBe(200);
    expect((await request(a, 'POST', '/v1/auth/logout', undefined, token)).status).toBe(204);
    expect((await request(b, 'GET', '/v1/auth/me', undefined, token)).status).toBe(401);

    const started = await request(a, 'POST', '/v1/auth/login', { email: user.email, password: USER_PASSWORD }, 'Bearer none');
    const first = JSON.parse(started.body) as { access_token: string; refresh_token: string };
    const refreshed = await request(a, 'POST', '/v1/auth/refresh', { refresh_token: first.refresh_token }, 'Bearer none');
    expect(refreshed.status, refreshed.body).toBe(200);
    const second = `Bearer ${(JSON.parse(refreshed.body) as { access_token: string }).access_token}`;
    expect((await request(b, 'GET', '/v1/auth/me', undefined, second)).status).toBe(200);
    // The spent refresh token again: a replay, so A revokes the whole family.
    expect((await request(a, 'POST', '/v1/auth/refresh', { refresh_token: first.refresh_token }, 'Bearer none')).status).toBe(401);
    expect((await request(b, 'GET', '/v1/auth/me', undefined, second)).status).toBe(401);
  });

  it('a PII rule set through A applies to events ingested through B at once', async () => {
    await json(a, 'POST', '/v1/sources', { name: 'mi_pii', pii: { 'props.email': 'mask' } });
    await json(b, 'POST', '/v1/events', { events: [{ source: 'mi_pii', name: 'signup', id: 'p1', props: { email: 'ann@example.com', plan: 'pro' } }] });
    await json(a, 'PATCH', '/v1/sources/mi_pii', { pii: { 'props.email': 'drop' } });
    await json(b, 'POST', '/v1/events', { events: [{ source: 'mi_pii', name: 'signup', id: 'p2', props: { email: 'bob@example.com', plan: 'free' } }] });
    const stored = await storedProps('mi_pii');
    expect(stored.get('p1')).toEqual({ email: 'a***', plan: 'pro' });
    expect(stored.get('p2')).toEqual({ plan: 'free' });
  });

  it('rollup dimensions declared through A: B answers from the new layout at once, equal to the raw answer', async () => {
    const events = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        source: 'mi_roll',
        name: 'buy',
        id: `${prefix}${i}`,
        actor: `u${i % 5}`,
        ts: new Date(Date.parse('2025-01-03T00:00:00Z') + i * 3_600_000).toISOString(),
        value: i,
        props: { plan: ['free', 'pro'][i % 2], country: ['de', 'fr', 'us'][i % 3] },
      }));
    const measures = [{ as: 'n', fn: 'count' }, { as: 'total', fn: 'sum', of: 'value' }];
    // A different range at each step: no step is answered from the result cache of an earlier one.
    const q = (dimension: string, toDay: number) => ({ source: 'mi_roll', dimensions: [dimension], measures, range: { from: '2025-01-01T00:00:00Z', to: `2025-01-${toDay}T00:00:00Z` } });
    const expectEqualRaw = async (body: ReturnType<typeof q>, fromRollups: boolean) => {
      const answer = await query(b, body);
      const raw = await query(b, forcedRaw(body));
      expect(raw.meta.rollup).toBeUndefined();
      if (fromRollups) expect(answer.meta.rollup, JSON.stringify(body)).toMatch(/^(day|hour|minute)/);
      else expect(answer.meta.rollup, JSON.stringify(body)).toBeUndefined();
      expect(answer.rows.length, JSON.stringify(body)).toBeGreaterThan(1);
      expect(answer.rows, JSON.stringify(body)).toEqual(raw.rows);
    };

    await json(a, 'POST', '/v1/events', { events: events('r', 40) });
    await json(a, 'POST', '/v1/sources', { name: 'mi_roll', rollup: { dimensions: ['props.plan'] } });
    // B has ingested nothing since: only the announcement tells it the layout.
    await expectEqualRaw(q('props.plan', 31), true);
    await json(a, 'PATCH', '/v1/sources/mi_roll', { rollup: { dimensions: ['props.country'] } });
    // The rollups' first slot holds countries now: B must not read plans from it.
    await expectEqualRaw(q('props.plan', 30), false);
    await expectEqualRaw(q('props.country', 30), true);
    // Events ingested through B land in the new layout.
    await json(b, 'POST', '/v1/events', { events: events('s', 30) });
    await expectEqualRaw(q('props.country', 29), true);
    await expectEqualRaw(q('props.plan', 29), false);
  });
});
