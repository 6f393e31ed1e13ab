/**
 * The Redis side of the platform against the real Redis (127.0.0.1:6379 or SIGHTLINE_TEST_REDIS_URL),
 * each suite under a prefix of its own that is deleted afterwards (the shared Redis is never flushed):
 * the query-result cache (hit, miss, TTL, invalidation by range), rate-limit counters shared by two
 * apps, the live bus between two apps, retries and schedules of the job queue.
 */
import { Registry } from 'prom-client';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, type Config } from '../src/config.js';
import { MemoryJobQueue, RedisJobQueue } from '../src/platform/jobs.js';
import { RedisPlatform } from '../src/platform/redis.js';
import type { RedisBus } from '../src/platform/bus.js';
import { GENEROUS_LIMITS, startTestApp, type TestApp } from './support/harness.js';
import { LiveTestClient } from './support/live-client.js';
import { REDIS_TEST_URL, deletePrefix, keysUnder, redisAvailable, uniquePrefix } from './support/redis.js';

const available = await redisAvailable();
const NOW = Date.UTC(2025, 5, 1, 12);
const JANUARY = { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' };
const COUNT_JANUARY = { source: 'shop', measures: [{ as: 'n', fn: 'count' }, { as: 'revenue', fn: 'sum', of: 'value' }], range: JANUARY };
const silent = { info: () => undefined, warn: () => undefined };

function redisConfig(prefix: string, extra: Partial<Config> = {}): Partial<Config> {
  return { redisUrl: REDIS_TEST_URL, redisPrefix: prefix, ...extra };
}

async function ingest(t: TestApp, events: unknown[]): Promise<void> {
  const res = await t.inject({ method: 'POST', url: '/v1/events', payload: { events } });
  expect(res.statusCode, res.body).toBe(200);
}

async function query(t: TestApp, body: unknown): Promise<{ rows: unknown[][]; meta: { cached: boolean } }> {
  const res = await t.inject({ method: 'POST', url: '/v1/query', payload: body as object });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('platform configuration', () => {
  it('has defaults, and reads the Redis prefix, cache TTLs and job intervals', () => {
    const defaults = loadConfig({});
    expect(defaults.redisPrefix).toBe('sightline:');
    expect(defaults.cache).toEqual({ relativeSeconds: 10, relativeFunnelSeconds: 60, absoluteSeconds: 3600, maxEntries: 1000 });
    expect(defaults.jobs).toEqual({ rollupCompactSeconds: 300, retentionSeconds: 3600 });
    const set = loadConfig({
      SIGHTLINE_REDIS_PREFIX: 'acme-prod:',
      SIGHTLINE_CACHE_TTL_RELATIVE: '0',
      SIGHTLINE_CACHE_TTL_FUNNEL: '2m',
      SIGHTLINE_CACHE_TTL_ABSOLUTE: '1d',
      SIGHTLINE_CACHE_MAX_ENTRIES: '50',
      SIGHTLINE_ROLLUP_COMPACT_EVERY: '30s',
      SIGHTLINE_RETENTION_EVERY: '6h',
    });
    expect(set.redisPrefix).toBe('acme-prod:');
    expect(set.cache).toEqual({ relativeSeconds: 0, relativeFunnelSeconds: 120, absoluteSeconds: 86_400, maxEntries: 50 });
    expect(set.jobs).toEqual({ rollupCompactSeconds: 30, retentionSeconds: 21_600 });
  });

  it('refuses bad values, naming the variable', () => {
    for (const [name, value] of [
      ['SIGHTLINE_REDIS_PREFIX', 'has space'],
      ['SIGHTLINE_REDIS_PREFIX', 'x'.repeat(65)],
      ['SIGHTLINE_CACHE_TTL_ABSOLUTE', '31d'],
      ['SIGHTLINE_CACHE_TTL_RELATIVE', 'soon'],
      ['SIGHTLINE_CACHE_MAX_ENTRIES', '-1'],
      ['SIGHTLINE_ROLLUP_COMPACT_EVERY', '0'],
      ['SIGHTLINE_RETENTION_EVERY', '8d'],
    ] as const) {
      expect(() => loadConfig({ [name]: value }), `${name}=${value}`).toThrow(ConfigError);
      expect(() => loadConfig({ [name]: value })).toThrow(new RegExp(`^${name}: `));
    }
  });
});

describe('without Redis: the in-process implementations', () => {
  it('caches answers in an LRU, dropped when events land in their range', async () => {
    const t = await startTestApp({ now: NOW, config: { cache: { relativeSeconds: 10, relativeFunnelSeconds: 10, absoluteSeconds: 3600, maxEntries: 2 } } });
    try {
      expect(t.app.platform.cache.kind).toBe('memory');
      await ingest(t, [{ source: 'shop', name: 'order', ts: '2025-01-10T10:00:00Z', value: 5 }]);
      expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(false);
      expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
      await ingest(t, [{ source: 'shop', name: 'order', ts: '2025-03-10T10:00:00Z', value: 5 }]);
      expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
      await ingest(t, [{ source: 'shop', name: 'order', ts: '2025-01-11T10:00:00Z', value: 1 }]);
      const after = await query(t, COUNT_JANUARY);
      expect(after).toMatchObject({ rows: [[2, 6]], meta: { cached: false } });
      // Bounded: two more distinct queries push the least recently used one out.
      await query(t, { ...COUNT_JANUARY, source: 'a' });
      await query(t, { ...COUNT_JANUARY, source: 'b' });
      expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(false);
    } finally {
      await t.close();
    }
  });

  it('the retention job deletes events past their source\'s retention and drops the cached answers over them', async () => {
    const t = await startTestApp({ now: NOW, config: { jobs: { rollupCompactSeconds: 3600, retentionSeconds: 1 } } });
    try {
      const created = await t.inject({ method: 'POST', url: '/v1/sources', payload: { name: 'kept', retention_days: 7 } });
      expect(created.statusCode, created.body).toBe(201);
      const at = (daysAgo: number) => new Date(NOW - daysAgo * 86_400_000).toISOString();
      await ingest(t, [
        { source: 'kept', name: 'old', ts: at(10) },
        { source: 'kept', name: 'recent', ts: at(1) },
        { source: 'other', name: 'old', ts: at(10) },
      ]);
      const body = (source: string) => ({ source, measures: [{ as: 'n', fn: 'count' }], range: { from: at(30), to: at(0) } });
      expect((await query(t, body('kept'))).rows).toEqual([[2]]);
      expect((await query(t, body('kept'))).meta.cached).toBe(true);
      await until(async () => JSON.stringify((await query(t, body('kept'))).rows) === '[[1]]');
      // A source without retention keeps everything.
      expect((await query(t, body('other'))).rows).toEqual([[1]]);
      expect(await t.inject('/metrics').then((r) => r.body)).toMatch(/^sightline_jobs_total\{job="retention",outcome="completed"\} [1-9]/m);
    } finally {
      await t.close();
    }
  });

  it('retries a failed job with backoff, and runs schedules on timers', async () => {
    const queue = new MemoryJobQueue(silent, new Registry(), () => undefined);
    try {
      const attempts: number[] = [];
      queue.define({ name: 'flaky', attempts: 3, backoffMs: 50, run: async () => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('not yet');
      } });
      let ticks = 0;
      queue.define({ name: 'tick', run: async () => void ticks++ });
      queue.schedule('tick', 100);
      queue.start();
      await queue.enqueue('flaky');
      await until(() => attempts.length === 3 && ticks >= 3);
      expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(90);
    } finally {
      await queue.close();
    }
  });
});

describe.runIf(available)('query-result cache in Redis', () => {
  const prefix = uniquePrefix();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ now: NOW, config: redisConfig(prefix, { cache: { relativeSeconds: 10, relativeFunnelSeconds: 10, absoluteSeconds: 3600, maxEntries: 100 } }) });
    await ingest(t, [
      { source: 'shop', name: 'order', ts: '2025-01-10T10:00:00Z', value: 5 },
      { source: 'shop', name: 'order', ts: '2025-01-20T10:00:00Z', value: 7 },
    ]);
  });
  afterAll(async () => {
    await t?.close();
    await deletePrefix(REDIS_TEST_URL, prefix);
  });

  it('answers a repeated query from the cache, equal to the database', async () => {
    const first = await query(t, COUNT_JANUARY);
    expect(first.meta.cached).toBe(false);
    expect(first.rows).toEqual([[2, 12]]);
    const second = await query(t, COUNT_JANUARY);
    expect(second.meta.cached).toBe(true);
    expect(second.rows).toEqual(first.rows);
    // The same query with its keys in another order is the same entry.
    const reordered = await query(t, { range: JANUARY, measures: COUNT_JANUARY.measures, source: 'shop' });
    expect(reordered.meta.cached).toBe(true);
    expect(await keysUnder(REDIS_TEST_URL, prefix, 'cache:e:*')).toHaveLength(1);
  });

  it('keeps the entry when events land outside its range or sources, drops it when one lands inside', async () => {
    await query(t, COUNT_JANUARY);
    expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
    await ingest(t, [
      { source: 'shop', name: 'order', ts: '2025-03-01T00:00:00Z', value: 100 },
      { source: 'shop', name: 'order', ts: '2025-02-01T00:00:00Z', value: 100 }, // `to` is exclusive
      { source: 'other', name: 'order', ts: '2025-01-15T00:00:00Z', value: 100 },
    ]);
    expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
    await ingest(t, [{ source: 'shop', name: 'order', ts: '2025-01-31T23:59:59Z', value: 1 }]);
    const after = await query(t, COUNT_JANUARY);
    expect(after.meta.cached).toBe(false);
    expect(after.rows).toEqual([[3, 13]]);
    expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
  });

  it('a relative range is dropped by any event from its start on, however late', async () => {
    const body = { source: 'shop', measures: [{ as: 'n', fn: 'count' }], range: { last: '7d' } };
    expect((await query(t, body)).meta.cached).toBe(false);
    expect((await query(t, body)).meta.cached).toBe(true);
    await ingest(t, [{ source: 'shop', name: 'order', ts: new Date(NOW + 3_600_000).toISOString() }]);
    expect((await query(t, body)).meta.cached).toBe(false);
  });

  it('a metric change is a different entry', async () => {
    const body = { source: 'shop', measures: ['cached_orders'], range: JANUARY };
    const put = (where: unknown) => t.inject({ method: 'PUT', url: '/v1/metrics/cached_orders', payload: { fn: 'count', where } });
    expect((await put([{ field: 'name', op: 'eq', value: 'order' }])).statusCode).toBeLessThan(300);
    const before = await query(t, body);
    expect((await query(t, body)).meta.cached).toBe(true);
    expect((await put([{ field: 'name', op: 'eq', value: 'refund' }])).statusCode).toBeLessThan(300);
    const after = await query(t, body);
    expect(after.meta.cached).toBe(false);
    expect(after.rows).not.toEqual(before.rows);
  });

  it('deleting events (erasure, retention) drops the cached answers over them, whoever deletes', async () => {
    await ingest(t, [
      { source: 'shop', name: 'order', ts: '2025-01-03T00:00:00Z', actor: 'erase-me', value: 1000 },
      { source: 'shop', name: 'order', ts: '2025-01-02T00:00:00Z', value: 2000 },
    ]);
    const before = await query(t, COUNT_JANUARY);
    expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
    const erased = await t.inject({ method: 'DELETE', url: '/v1/privacy/subjects/erase-me' });
    expect(erased.statusCode, erased.body).toBe(200);
    const afterErasure = await query(t, COUNT_JANUARY);
    expect(afterErasure.meta.cached).toBe(false);
    expect(afterErasure.rows).toEqual([[(before.rows[0]![0] as number) - 1, (before.rows[0]![1] as number) - 1000]]);
    expect((await query(t, COUNT_JANUARY)).meta.cached).toBe(true);
    // A retention delete through the store itself (as the job does).
    expect(await t.app.eventStore.deleteOlderThan('shop', Date.parse('2025-01-02T12:00:00Z'))).toBe(1);
    const afterRetention = await query(t, COUNT_JANUARY);
    expect(afterRetention.meta.cached).toBe(false);
    expect(afterRetention.rows).toEqual([[(before.rows[0]![0] as number) - 2, (before.rows[0]![1] as number) - 3000]]);
  });

  it('expires entries after their TTL', async () => {
    const short = await startTestApp({ now: NOW, config: redisConfig(prefix + 'ttl:', { cache: { relativeSeconds: 1, relativeFunnelSeconds: 1, absoluteSeconds: 1, maxEntries: 100 } }) });
    try {
      expect((await query(short, COUNT_JANUARY)).meta.cached).toBe(false);
      expect((await query(short, COUNT_JANUARY)).meta.cached).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1200));
      expect((await query(short, COUNT_JANUARY)).meta.cached).toBe(false);
    } finally {
      await short.close();
      await deletePrefix(REDIS_TEST_URL, prefix + 'ttl:');
    }
  });
});

describe.runIf(available)('two apps on one Redis prefix', () => {
  const prefix = uniquePrefix();
  let a: TestApp & { url: string };
  let b: TestApp & { url: string };
  const limits = { ...GENEROUS_LIMITS, query: { ...GENEROUS_LIMITS.query, ip: { points: 5, seconds: 60 } } };
  beforeAll(async () => {
    const start = async () => {
      const t = await startTestApp({ config: redisConfig(prefix, { rateLimits: limits, loginGuard: { accountFailures: 3, ipFailures: 1000, windowSeconds: 60, lockoutSeconds: 60 } }) });
      return Object.assign(t, { url: await t.app.listen({ port: 0, host: '127.0.0.1' }) });
    };
    a = await start();
    b = await start();
    await Promise.all([a, b].map((t) => (t.app.platform.bus as RedisBus).ready()));
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await deletePrefix(REDIS_TEST_URL, prefix);
  });

  it('sends batches to other instances in full only while one of them has live listeners', async () => {
    const probe = new Redis(REDIS_TEST_URL);
    const seen: { events?: unknown[]; count: number }[] = [];
    try {
      await probe.subscribe(`${prefix}bus:live:batch`);
      probe.on('message', (_channel: string, text: string) => seen.push((JSON.parse(text) as { m: { events?: unknown[]; count: number } }).m));
      await ingest(a, [{ source: 'quiet', name: 'x' }, { source: 'quiet', name: 'y' }]);
      await until(() => seen.length === 1);
      expect(seen[0]).toMatchObject({ count: 2, stored: { accepted: 2 } });
      expect(seen[0]!.events).toBeUndefined();
      const client = await LiveTestClient.ready(b.url, b.adminToken);
      try {
        await client.subscribe({ topic: 'events:quiet' });
        await until(() => a.app.liveHub['feed']['interest']?.anyone() === true);
        await ingest(a, [{ source: 'quiet', name: 'z', id: 'q-1' }]);
        await until(() => seen.length === 2);
        expect(seen[1]!.events).toHaveLength(1);
        expect(await client.next((m) => m.type === 'update' && m.topic === 'events:quiet')).toMatchObject({ data: [{ id: 'q-1' }] });
      } finally {
        client.socket.close();
      }
    } finally {
      probe.disconnect();
    }
  });

  it('share rate-limit counters: N requests in all, not N per app', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      for (const t of [a, b]) statuses.push((await t.inject({ method: 'POST', url: '/v1/query', payload: { source: 'shop', measures: [{ as: 'n', fn: 'count' }] } })).statusCode);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.slice(5)).toEqual([429, 429, 429]);
    expect(await keysUnder(REDIS_TEST_URL, prefix, 'rl:query:ip*')).not.toHaveLength(0);
  });

  it('share login lockouts: failures through either app lock the account out on both', async () => {
    const attempt = (t: TestApp) => t.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: 'guessed@example.com', password: 'wrong password' } }, null);
    expect((await attempt(a)).statusCode).toBe(401);
    expect((await attempt(b)).statusCode).toBe(401);
    expect((await attempt(a)).statusCode).toBe(401); // the third failure starts the lockout
    expect((await attempt(b)).statusCode).toBe(429);
    expect((await attempt(a)).statusCode).toBe(429);
  });

  it('an event ingested through one app reaches a live tail on the other', async () => {
    const client = await LiveTestClient.ready(b.url, b.adminToken);
    try {
      client.send({ type: 'subscribe', topic: 'events:bus' });
      await client.next((m) => m.type === 'subscribed');
      await ingest(a, [{ source: 'bus', name: 'crossed', id: 'e-1', props: { n: 1 } }]);
      const update = await client.next((m) => m.type === 'update' && m.topic === 'events:bus');
      expect(update).toMatchObject({ data: [{ id: 'e-1', source: 'bus', name: 'crossed', props: { n: 1 } }] });
    } finally {
      client.socket.close();
    }
  });

  it('topics published on one app (alerts) reach listeners on the other', async () => {
    const client = await LiveTestClient.ready(b.url, b.adminToken);
    try {
      client.send({ type: 'subscribe', topic: 'alerts' });
      await client.next((m) => m.type === 'subscribed');
      a.app.liveHub.publish('alerts', { alert: 'cpu', value: 99 });
      expect(await client.next((m) => m.type === 'update' && m.topic === 'alerts')).toMatchObject({ data: { alert: 'cpu', value: 99 } });
    } finally {
      client.socket.close();
    }
  });
});

describe.runIf(available)('job queue on Redis (BullMQ)', () => {
  const prefix = uniquePrefix();
  const platforms: RedisPlatform[] = [];
  const queues: RedisJobQueue[] = [];
  const open = () => {
    const redis = new RedisPlatform(REDIS_TEST_URL, prefix, silent);
    const queue = new RedisJobQueue(redis, silent, new Registry(), () => undefined);
    platforms.push(redis);
    queues.push(queue);
    return queue;
  };
  afterAll(async () => {
    for (const q of queues) await q.close();
    for (const p of platforms) await p.close();
    await deletePrefix(REDIS_TEST_URL, prefix);
  });

  it('retries a failed job with backoff until it succeeds', async () => {
    const queue = open();
    const attempts: number[] = [];
    queue.define({
      name: 'flaky',
      attempts: 3,
      backoffMs: 100,
      run: async (data) => {
        attempts.push(Date.now());
        if (attempts.length < 3) throw new Error('not yet');
        return data;
      },
    });
    queue.start();
    await queue.enqueue('flaky', { x: 1 });
    await until(() => attempts.length === 3);
    // Exponential backoff: 100 ms, then 200 ms.
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(90);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(190);
  });

  it('a job scheduled by two workers runs once per tick', async () => {
    const runs: number[] = [];
    const everyMs = 400;
    const [one, two] = [open(), open()];
    for (const q of [one, two]) {
      q.define({ name: 'tick', run: async () => void runs.push(Date.now()) });
      q.schedule('tick', everyMs);
      q.start();
    }
    await until(() => runs.length >= 1);
    const started = Date.now();
    await new Promise((resolve) => setTimeout(resolve, everyMs * 6 + 100));
    const ticks = runs.filter((r) => r >= started).length;
    // Once per tick (6 in the window, give or take one at its edges), not twice.
    expect(ticks).toBeGreaterThanOrEqual(5);
    expect(ticks).toBeLessThanOrEqual(7);
  });
});

describe.runIf(available)('live queries fed over the Redis bus', () => {
  const prefix = uniquePrefix();
  const COUNT = { source: 'feed', measures: [{ as: 'n', fn: 'count' }, { as: 'total', fn: 'sum', of: 'value' }], range: { last: '1d' } };
  let t: TestApp & { url: string };
  let probe: Redis;
  beforeAll(async () => {
    const app = await startTestApp({ config: redisConfig(prefix, { cache: { relativeSeconds: 0, relativeFunnelSeconds: 0, absoluteSeconds: 0, maxEntries: 0 } }) });
    t = Object.assign(app, { url: await app.app.listen({ port: 0, host: '127.0.0.1' }) });
    await (t.app.platform.bus as RedisBus).ready();
    probe = new Redis(REDIS_TEST_URL);
  });
  afterAll(async () => {
    probe?.disconnect();
    await t?.close();
    await deletePrefix(REDIS_TEST_URL, prefix);
  });

  /** The live answer's rows once they equal POST /v1/query's (the reference), or a timeout. */
  async function convergesToQuery(client: LiveTestClient, topic: string): Promise<unknown[][]> {
    let last: unknown;
    await until(async () => {
      const updates = client.updates(topic);
      last = (updates[updates.length - 1] as { data?: { rows: unknown[][] } } | undefined)?.data?.rows;
      const reference = await query(t, COUNT);
      return JSON.stringify(last) === JSON.stringify(reference.rows);
    }, 8000).catch(() => {
      throw new Error(`live rows ${JSON.stringify(last)} never equalled the query's`);
    });
    return last as unknown[][];
  }

  it('a batch of another instance that arrives after a full computation read it is not counted twice', async () => {
    const ts = Date.now() - 1000;
    const events = Array.from({ length: 5 }, (_, i) => ({ id: `late-${i}`, source: 'feed', name: 'x', ts, actor: null, value: i + 1, props: null }));
    await ingest(t, events.map((e) => ({ id: e.id, source: e.source, name: e.name, ts: new Date(e.ts).toISOString(), value: e.value })));
    const lastSeq = Number((await t.app.eventStore.query('SELECT max(seq) FROM events', []))[0]![0]);
    const stored = { accepted: 5, duplicates: 0, lastSeq };
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    try {
      const topic = await client.subscribe({ query: COUNT });
      expect(await convergesToQuery(client, topic)).toEqual([[5, 15]]);
      // The same batch, published late by "another instance": it is already in the computed rows.
      await probe.publish(`${prefix}bus:live:batch`, JSON.stringify({ o: 'another-instance', m: { events, count: events.length, stored } }));
      await ingest(t, [{ source: 'feed', name: 'x', value: 100 }]);
      await until(() => JSON.stringify(client.updates(topic).at(-1)) .includes('115'));
      expect(await convergesToQuery(client, topic)).toEqual([[6, 115]]);
      const counts = client.updates(topic).map((u) => (u as { data: { rows: unknown[][] } }).data.rows[0]![0]);
      expect(Math.max(...(counts as number[]))).toBe(6);
    } finally {
      client.socket.close();
    }
  });

  it('a batch that never arrives (lost while Redis was unreachable) is recovered from the database', async () => {
    const client = await LiveTestClient.ready(t.url, t.adminToken);
    try {
      const topic = await client.subscribe({ query: COUNT });
      const before = await convergesToQuery(client, topic);
      // Stored by "another instance" whose message was lost: no bus message at all.
      await t.app.eventStore.append([{ id: 'lost-1', source: 'feed', name: 'x', ts: Date.now() - 500, actor: null, value: 1000, props: null }]);
      // Then a batch that does arrive: folded at once, and the hole before it is noticed.
      await ingest(t, [{ source: 'feed', name: 'x', value: 10 }]);
      const reference = (await query(t, COUNT)).rows as number[][];
      expect(reference[0]![0]).toBe((before[0]![0] as number) + 2);
      expect(await convergesToQuery(client, topic)).toEqual(reference);
    } finally {
      client.socket.close();
    }
  });
});
