/**
 * Redis outages, on a redis-server of this test's own (the shared one is never stopped): while it
 * is down, ingest and queries keep working and answer what the database holds, and /ready says
 * "degraded"; once it is back on the same port, the cache and the bus work again without a restart.
 * A partition (a proxy that cuts the connection while Redis keeps its data) checks that an
 * invalidation lost in the outage cannot leave a stale answer behind, and that a change to an
 * in-memory cache whose announcement was lost makes every instance reload everything once healed.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../src/config.js';
import { RedisBus } from '../src/platform/bus.js';
import { Invalidations, type Invalidation } from '../src/platform/invalidation.js';
import { RedisPlatform } from '../src/platform/redis.js';
import { GENEROUS_LIMITS, startTestApp, type TestApp } from './support/harness.js';
import { LiveTestClient } from './support/live-client.js';
import { PrivateRedis, redisAvailable, uniquePrefix } from './support/redis.js';
import { Redis } from 'ioredis';

const available = await redisAvailable();
const NOW = Date.UTC(2025, 5, 1, 12);
const JANUARY = { from: '2025-01-01T00:00:00Z', to: '2025-02-01T00:00:00Z' };
const COUNT_JANUARY = { source: 'shop', measures: [{ as: 'n', fn: 'count' }], range: JANUARY };

async function ingest(t: TestApp, events: unknown[]): Promise<void> {
  const res = await t.inject({ method: 'POST', url: '/v1/events', payload: { events } });
  expect(res.statusCode, res.body).toBe(200);
}

async function query(t: TestApp, body: unknown = COUNT_JANUARY): Promise<{ rows: unknown[][]; meta: { cached: boolean } }> {
  const res = await t.inject({ method: 'POST', url: '/v1/query', payload: body as object });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** What the database holds: the reference the answers are checked against. */
async function countInDatabase(t: TestApp): Promise<number> {
  const rows = await t.app.eventStore.query(`SELECT count(*) FROM events WHERE source = 'shop' AND ts >= TIMESTAMPTZ '2025-01-01 00:00:00+00' AND ts < TIMESTAMPTZ '2025-02-01 00:00:00+00'`, []);
  return Number(rows[0]![0]);
}

/** A TCP proxy that can cut every connection and refuse new ones (a network partition). */
class CuttableProxy {
  private readonly sockets = new Set<net.Socket>();
  private cut = false;
  /** Bytes are dropped both ways; connections stay open (a dead peer). */
  silent = false;
  private constructor(private readonly server: net.Server) {}

  static async start(target: number): Promise<CuttableProxy> {
    const server = net.createServer();
    const proxy = new CuttableProxy(server);
    server.on('connection', (client) => {
      if (proxy.cut) return client.destroy();
      const upstream = net.connect(target, '127.0.0.1');
      for (const s of [client, upstream]) {
        proxy.sockets.add(s);
        s.on('close', () => proxy.sockets.delete(s));
        s.on('error', () => undefined);
      }
      // Forwarded by hand, so that `blackhole` can stop it without closing anything.
      client.on('data', (chunk: Buffer) => proxy.silent || upstream.write(chunk));
      upstream.on('data', (chunk: Buffer) => proxy.silent || client.write(chunk));
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${(this.server.address() as net.AddressInfo).port}`;
  }

  partition(): void {
    this.cut = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.cut = false;
    this.silent = false;
  }

  blackhole(): void {
    this.silent = true;
  }

  close(): Promise<void> {
    this.partition();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.runIf(available)('Redis outages', () => {
  let redis: PrivateRedis;
  let proxy: CuttableProxy;
  let a: TestApp & { url: string };
  let b: TestApp & { url: string };
  const prefix = uniquePrefix();
  const start = async (config: Partial<Config>) => {
    const t = await startTestApp({ now: NOW, config: { rateLimits: GENEROUS_LIMITS, ...config } });
    return Object.assign(t, { url: await t.app.listen({ port: 0, host: '127.0.0.1' }) });
  };
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    proxy = await CuttableProxy.start(redis.port);
    a = await start({ redisUrl: redis.url, redisPrefix: prefix });
    b = await start({ redisUrl: redis.url, redisPrefix: prefix });
    await ingest(a, [{ source: 'shop', name: 'order', ts: '2025-01-10T10:00:00Z' }]);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await proxy?.close();
    await redis?.stop();
  });

  it('Redis killed: ingest and queries go on from the database, /ready says degraded; back on the same port: cache and bus work again', async () => {
    expect((await query(a)).meta.cached).toBe(false);
    expect((await query(a)).meta.cached).toBe(true);
    expect((await a.inject('/ready')).json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'up' } });

    await redis.stop();
    await until(() => a.app.platform.redis!.status === 'down');
    const ready = await a.inject('/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'degraded', checks: { database: 'up', redis: 'down' } });

    for (let i = 0; i < 3; i++) {
      await ingest(a, [{ source: 'shop', name: 'order', ts: `2025-01-1${i}T12:00:00Z` }]);
      const answer = await query(a);
      expect(answer.meta.cached).toBe(false);
      expect(answer.rows).toEqual([[await countInDatabase(a)]]);
    }
    // Rate limits fall back to in-memory counters rather than refusing everything.
    expect((await a.inject('/v1/sources')).statusCode).toBe(200);

    await redis.startAgain();
    await until(() => a.app.platform.redis!.status === 'up' && b.app.platform.redis!.status === 'up');
    await until(async () => (await a.inject('/ready')).json().status === 'ready');
    expect((await query(a)).rows).toEqual([[await countInDatabase(a)]]);
    await until(async () => (await query(a)).meta.cached);
    expect((await query(a)).rows).toEqual([[await countInDatabase(a)]]);

    // Both instances subscribed again: an event ingested on A reaches a tail on B.
    const probe = new Redis(redis.url);
    await until(async () => {
      const [, subscribers] = (await probe.pubsub('NUMSUB', `${prefix}bus:live:batch`)) as [string, number];
      return Number(subscribers) >= 2;
    });
    probe.disconnect();
    const client = await LiveTestClient.ready(b.url, b.adminToken);
    try {
      client.send({ type: 'subscribe', topic: 'events:shop' });
      await client.next((m) => m.type === 'subscribed');
      await ingest(a, [{ source: 'shop', name: 'after-restart', id: 'r-1' }]);
      expect(await client.next((m) => m.type === 'update' && m.topic === 'events:shop')).toMatchObject({ data: [{ id: 'r-1', name: 'after-restart' }] });
    } finally {
      client.socket.close();
    }
  });

  it('a partition that ate an invalidation leaves no stale answer once healed', async () => {
    const c = await start({ redisUrl: proxy.url, redisPrefix: uniquePrefix() });
    try {
      await ingest(c, [{ source: 'shop', name: 'order', ts: '2025-01-05T00:00:00Z' }]);
      expect((await query(c)).meta.cached).toBe(false);
      expect((await query(c)).meta.cached).toBe(true);
      proxy.partition();
      await until(() => c.app.platform.redis!.status === 'down');
      // Lands in the cached range while the invalidation cannot reach Redis, which keeps the entry.
      await ingest(c, [{ source: 'shop', name: 'order', ts: '2025-01-06T00:00:00Z' }]);
      expect((await query(c)).rows).toEqual([[2]]);
      proxy.heal();
      await until(() => c.app.platform.redis!.status === 'up');
      expect((await query(c)).rows).toEqual([[2]]);
      await until(async () => (await query(c)).meta.cached);
      expect((await query(c)).rows).toEqual([[2]]);
    } finally {
      await c.close();
    }
  });

  it('starts while Redis is down, serves from the database, picks Redis up when it comes, and closes while it is down', async () => {
    const own = await PrivateRedis.start();
    await own.stop();
    const c = await start({ redisUrl: own.url, redisPrefix: uniquePrefix() });
    let closed = false;
    try {
      expect((await c.inject('/ready')).json()).toEqual({ status: 'degraded', checks: { database: 'up', redis: 'down' } });
      await ingest(c, [{ source: 'shop', name: 'order', ts: '2025-01-07T00:00:00Z' }]);
      expect(await query(c)).toMatchObject({ rows: [[1]], meta: { cached: false } });
      expect((await query(c)).meta.cached).toBe(false);

      await own.startAgain();
      await until(async () => (await c.inject('/ready')).json().status === 'ready');
      await until(async () => (await query(c)).meta.cached);
      expect((await query(c)).rows).toEqual([[1]]);

      // Closing must not wait for a Redis that is gone.
      await own.stop();
      await until(() => c.app.platform.redis!.status === 'down');
      const started = Date.now();
      await c.close();
      closed = true;
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      if (!closed) await c.close();
      await own.stop();
    }
  }, 60_000);

  it('a Redis that stops answering without closing holds neither ingest nor queries for long', async () => {
    const shared = uniquePrefix();
    const c = await start({ redisUrl: proxy.url, redisPrefix: shared });
    const d = await start({ redisUrl: redis.url, redisPrefix: shared });
    try {
      await ingest(c, [{ source: 'shop', name: 'order', ts: '2025-01-05T00:00:00Z' }]);
      await query(c);
      expect((await query(c)).meta.cached).toBe(true);
      proxy.blackhole();
      const started = Date.now();
      await ingest(c, [{ source: 'shop', name: 'order', ts: '2025-01-06T00:00:00Z' }]);
      expect((await query(c)).rows).toEqual([[2]]);
      expect((await query(c)).rows).toEqual([[2]]);
      // Each Redis command gives up after 1 s; the cache stays bypassed after a failed invalidation.
      expect(Date.now() - started).toBeLessThan(5000);
      // The first command that timed out made the connection start again; the new one's ready
      // check goes unanswered too, and a watchdog starts it again until Redis answers.
      proxy.heal();
      await until(() => c.app.platform.redis!.status === 'up', 20_000);
      await until(async () => (await query(c)).meta.cached);
      expect((await query(c)).rows).toEqual([[2]]);

      // The bus subscription, silent meanwhile, hears other instances again.
      const client = await LiveTestClient.ready(c.url, c.adminToken);
      try {
        await client.subscribe({ topic: 'events:deaf' });
        let n = 0;
        await until(async () => {
          await ingest(d, [{ source: 'deaf', name: 'probe', id: `p-${n++}` }]);
          return client.updates('events:deaf').length > 0;
        }, 20_000);
      } finally {
        client.socket.close();
      }
    } finally {
      await c.close();
      await d.close();
    }
  }, 60_000);

  it('a change announced while an instance is cut off from Redis: every instance reloads everything once healed', async () => {
    const silent = { info: () => undefined, warn: () => undefined };
    const shared = uniquePrefix();
    // The periodic resync far away: only the outage's own recovery may reload here.
    const instance = (url: string) => {
      const redis = new RedisPlatform(url, shared, silent);
      const bus = new RedisBus(redis, silent);
      const invalidations = new Invalidations(bus, silent, 3_600_000);
      const seen: Invalidation[] = [];
      let resyncs = 0;
      invalidations.on('key', (change) => void seen.push(change));
      invalidations.onResync(() => void resyncs++);
      invalidations.start();
      return {
        redis,
        bus,
        invalidations,
        seen,
        resyncs: () => resyncs,
        close: async () => {
          invalidations.close();
          await bus.close();
          await redis.close();
        },
      };
    };
    const cut = instance(proxy.url);
    const direct = instance(redis.url);
    try {
      await until(() => cut.redis.status === 'up' && direct.redis.status === 'up');
      await Promise.all([cut.bus.ready(), direct.bus.ready()]);
      // Subscribed: each reloaded once (start), and announcements go across, not back to the sender.
      await until(() => cut.resyncs() === 1 && direct.resyncs() === 1);
      await cut.invalidations.announce({ kind: 'key', id: 'k1' });
      await until(() => direct.seen.length === 1);
      expect(direct.seen).toEqual([{ kind: 'key', id: 'k1' }]);
      expect(cut.seen).toEqual([]);

      proxy.partition();
      await until(() => cut.redis.status === 'down');
      await cut.invalidations.announce({ kind: 'key', id: 'k2' }); // cannot reach Redis
      await direct.invalidations.announce({ kind: 'key', id: 'k3' }); // cannot reach `cut`
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(direct.seen).toHaveLength(1);
      expect(cut.seen).toEqual([]);
      expect([cut.resyncs(), direct.resyncs()]).toEqual([1, 1]);

      proxy.heal();
      // `cut` missed k3 (its subscription came back), `direct` missed k2 (`cut` tells it to reload).
      await until(() => cut.resyncs() >= 2 && direct.resyncs() >= 2);
      expect(direct.seen).toHaveLength(1);
    } finally {
      await cut.close();
      await direct.close();
    }
  }, 60_000);
});
