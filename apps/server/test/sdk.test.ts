import { rmSync } from 'node:fs';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Sightline, SightlineError, type LiveEvent, type LiveStatus, type Query, type SightlineOptions } from '@sightline/sdk';
import { startFaultProxy, type FaultProxy } from './support/fault-proxy.js';
import { makeDataDir, startTestApp, type TestApp } from './support/harness.js';
import { countOf, countQuery, waitFor } from './support/sdk-helpers.js';
import { startServerProcess, waitForExit, type ServerProcess } from './support/server-process.js';

// The SDK (@sightline/sdk, built to dist) against the real server: over real sockets, through a
// real TCP proxy that can cut connections (support/fault-proxy.ts). Nothing of the server is mocked.
// On Node 20 the SDK finds no global WebSocket and loads the `ws` package itself: that path too.
// More of the ingest side is in sdk-ingest.test.ts, more of the live channel in sdk-live.test.ts.

const clients: Sightline[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});

describe('the SDK against a live server (through a fault proxy)', () => {
  let t: TestApp;
  let proxy: FaultProxy;
  let key: string;
  let errors: SightlineError[];

  beforeAll(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as net.AddressInfo;
    proxy = await startFaultProxy({ host: '127.0.0.1', port });
    const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'sdk-test', scopes: ['ingest', 'read'], sources: ['*'] } });
    expect(res.statusCode).toBe(201);
    key = (res.json() as { key: string }).key;
  });
  afterAll(async () => {
    await proxy?.close();
    await t?.close();
  });
  afterEach(() => {
    proxy.setMode('pass');
    proxy.loseAnswers(undefined);
  });

  function client(options: Partial<SightlineOptions> = {}): Sightline {
    errors = [];
    const sl = new Sightline({ url: proxy.url, apiKey: key, onError: (e) => errors.push(e), ...options });
    clients.push(sl);
    return sl;
  }

  /** The count straight from the server (admin, no SDK, no proxy). */
  async function storedCount(source: string): Promise<number> {
    const res = await t.inject({ method: 'POST', url: '/v1/query', payload: countQuery(source) as object });
    expect(res.statusCode).toBe(200);
    return countOf(res.json() as { rows: unknown[][] });
  }

  const eventPosts = (from: number) => proxy.requests.slice(from).filter((r) => r.method === 'POST' && r.path === '/v1/events');

  it('batches by size: 250 events with batchSize 100 go as 3 requests, stored when flush() resolves', async () => {
    const sl = client({ batchSize: 100, flushIntervalMs: 60_000 });
    const before = proxy.requests.length;
    for (let i = 0; i < 250; i++) sl.track({ source: 'sdk_batch', name: 'tick', value: i });
    const result = await sl.flush();
    expect(result).toEqual({ accepted: 250, duplicates: 0 });
    expect(eventPosts(before)).toHaveLength(3);
    expect(await storedCount('sdk_batch')).toBe(250);
    expect(errors).toEqual([]);
  });

  it('retries through lost answers and an outage, and stores each event exactly once', async () => {
    const sl = client({ batchSize: 50, flushIntervalMs: 60_000, retry: { retries: 50, baseMs: 20, maxMs: 200 } });
    // The first batch reaches the server and is stored, but its answer is lost on the way back.
    let lost = 0;
    proxy.loseAnswers((r) => r.path === '/v1/events' && lost++ === 0);
    const before = proxy.requests.length;
    for (let i = 0; i < 120; i++) sl.track({ source: 'sdk_retry', name: 'tick', value: i });
    const flushed = sl.flush();
    await waitFor(() => lost >= 1, 10_000, 'the first answer lost');
    // Then the network goes away for a moment: the retries find no server.
    proxy.setMode('refuse-all');
    const refusedBefore = proxy.refused();
    await waitFor(() => proxy.refused() >= refusedBefore + 2, 10_000, 'two refused retries');
    proxy.setMode('pass');
    const result = await flushed;
    // The retried batch was a duplicate of what the server had stored: the ids made it harmless.
    expect(result).toEqual({ accepted: 70, duplicates: 50 });
    expect(await storedCount('sdk_retry')).toBe(120);
    expect(eventPosts(before).length).toBeGreaterThanOrEqual(4);
    expect(errors).toEqual([]);
  });

  it('rejects flush() on a 4xx with a SightlineError pointing at the bad field, storing the good events', async () => {
    const sl = client({ flushIntervalMs: 60_000 });
    sl.track({ source: 'sdk_invalid', name: 'fine' });
    sl.track({ source: 'sdk_invalid', name: 'no_offset', ts: '2026-01-01T10:00:00' });
    sl.track({ source: 'sdk_invalid', name: 'also_fine' });
    const error = await sl.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SightlineError);
    const e = error as SightlineError;
    expect(e).toMatchObject({ code: 'invalid_events', status: 400, retryable: false });
    expect(e.errors[0]!.path).toBe('/events/0/ts');
    expect(e.events!.map((x) => x.name)).toEqual(['no_offset']);
    expect(e.problem).toMatchObject({ type: 'urn:sightline:problem:invalid_events', status: 400 });
    expect(await storedCount('sdk_invalid')).toBe(2);
    expect(errors.map((x) => x.code)).toEqual(['invalid_events']);
  });

  it('query() answers what a direct POST /v1/query answers, and throws the problem of a bad query', async () => {
    const ingest = await t.inject({
      method: 'POST',
      url: '/v1/events',
      payload: [
        { source: 'sdk_query', name: 'order', ts: '2026-03-01T10:00:00Z', value: 10 },
        { source: 'sdk_query', name: 'order', ts: '2026-03-02T10:00:00Z', value: 5 },
        { source: 'sdk_query', name: 'view', ts: '2026-03-02T11:00:00Z' },
      ],
    });
    expect(ingest.statusCode).toBe(200);
    const q: Query = {
      source: 'sdk_query',
      measures: [{ as: 'n', fn: 'count' }, { as: 'revenue', fn: 'sum', where: { name: 'order' } }],
      dimensions: ['name'],
      interval: 'day',
      range: { from: '2026-03-01T00:00:00Z', to: '2026-03-03T00:00:00Z' },
    };
    const direct = (await t.inject({ method: 'POST', url: '/v1/query', payload: q as object })).json() as { columns: unknown; rows: unknown };
    const sl = client();
    const answer = await sl.query(q);
    expect(answer.columns).toEqual(direct.columns);
    expect(answer.rows).toEqual(direct.rows);
    expect(answer.rows.length).toBeGreaterThan(0);
    expect(answer.meta).toEqual({ took_ms: expect.any(Number), cached: expect.any(Boolean), rollup: 'day' });

    const bad = await sl.query({ source: 'sdk_query', measures: [{ as: 'n', fn: 'median' as 'count' }] }).catch((x: unknown) => x);
    expect(bad).toBeInstanceOf(SightlineError);
    expect(bad).toMatchObject({ code: 'invalid_query', status: 422 });
    expect((bad as SightlineError).errors.map((x) => x.path)).toContain('/measures/0/fn');
  });

  it('live: an events tail receives ingested events, and a live query’s count goes up by the number ingested', async () => {
    const sl = client({ flushIntervalMs: 60_000 });
    const tail: LiveEvent[] = [];
    const tailReady = new Promise<string>((resolve, reject) =>
      sl.live.subscribe('events:sdk_live', (events) => tail.push(...events), { onSubscribed: resolve, onError: reject }),
    );
    const counts: number[] = [];
    sl.live.subscribe({ query: countQuery('sdk_live') }, (data, update) => {
      expect(update.via).toBe('live');
      counts.push(countOf(data));
    });
    // A second client with a filtered tail: only the matching events.
    const other = client();
    const filtered: LiveEvent[] = [];
    const filteredReady = new Promise<string>((resolve, reject) =>
      other.live.subscribe('events:sdk_live', (events) => filtered.push(...events), { filters: [{ field: 'name', op: 'eq', value: 'wanted' }], onSubscribed: resolve, onError: reject }),
    );
    expect(await tailReady).toBe('events:sdk_live');
    await filteredReady;
    await waitFor(() => counts.length >= 1, 10_000, 'the first query result');
    expect(sl.live.status).toBe('live');
    const base = counts.at(-1)!;

    sl.track({ source: 'sdk_live', name: 'wanted', value: 1 });
    sl.track({ source: 'sdk_live', name: 'other', value: 2 });
    sl.track({ source: 'sdk_live', name: 'wanted', value: 3 });
    await sl.flush();

    await waitFor(() => tail.length === 3, 10_000, 'three events on the tail');
    expect(tail.map((e) => [e.name, e.value])).toEqual([['wanted', 1], ['other', 2], ['wanted', 3]]);
    await waitFor(() => counts.at(-1) === base + 3, 10_000, 'the count up by 3');
    await waitFor(() => filtered.length === 2, 10_000, 'two filtered events');
    expect(filtered.map((e) => e.value)).toEqual([1, 3]);
    expect(errors).toEqual([]);
  });

  it('falls back to polling while WebSocket upgrades are refused, then goes live again', async () => {
    proxy.setMode('refuse-websocket');
    const sl = client({ pollIntervalMs: 200, reconnect: { baseMs: 50, maxMs: 300 }, flushIntervalMs: 60_000 });
    const statuses: LiveStatus[] = [];
    sl.live.onStatus((s) => statuses.push(s));
    const updates: { n: number; via: string }[] = [];
    sl.live.subscribe({ query: countQuery('sdk_poll') }, (data, update) => updates.push({ n: countOf(data), via: update.via }));
    await waitFor(() => sl.live.status === 'polling', 10_000, 'status polling');
    await waitFor(() => updates.length >= 1, 10_000, 'a polled result');
    const base = updates.at(-1)!.n;
    expect(proxy.requests.some((r) => r.upgrade && r.path === '/v1/live')).toBe(true);

    sl.track({ source: 'sdk_poll', name: 'tick' });
    sl.track({ source: 'sdk_poll', name: 'tick' });
    await sl.flush();
    await waitFor(() => updates.at(-1)!.n === base + 2, 10_000, 'the polled count up by 2');
    expect(updates.every((u) => u.via === 'poll')).toBe(true);
    // Unchanged results are not delivered again, however many polls ran.
    expect(new Set(updates.map((u) => u.n)).size).toBe(updates.length);

    proxy.setMode('pass');
    await waitFor(() => sl.live.status === 'live', 10_000, 'status live');
    expect(statuses).toContain('polling');
    expect(statuses.at(-1)).toBe('live');
    sl.track({ source: 'sdk_poll', name: 'tick' });
    await sl.flush();
    await waitFor(() => updates.at(-1)!.n === base + 3 && updates.at(-1)!.via === 'live', 10_000, 'a live update after the fallback');
  });
});

/** A port below the ephemeral range (32768+ here) that is free now, so a restarted server can take it again. */
async function freePort(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found in 20000-32000');
}

describe('the SDK across a server restart', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let server: ServerProcess | undefined;

  beforeAll(async () => {
    dataDir = makeDataDir();
    env = { SIGHTLINE_DATA_DIR: dataDir, SIGHTLINE_PORT: String(await freePort()) };
  });
  afterAll(async () => {
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await waitForExit(server.child);
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('reconnects and resubscribes after a restart, and keeps delivering', async () => {
    server = await startServerProcess(env);
    const first = server;
    const res = await fetch(`${first.url}/v1/keys`, { method: 'POST', headers: await first.auth(), body: JSON.stringify({ name: 'sdk', scopes: ['ingest', 'read'], sources: ['*'] }) });
    expect(res.status).toBe(201);
    const { key } = (await res.json()) as { key: string };

    const errors: SightlineError[] = [];
    const sl = new Sightline({
      url: first.url,
      apiKey: key,
      flushIntervalMs: 60_000,
      pollIntervalMs: 300,
      reconnect: { baseMs: 100, maxMs: 1000 },
      retry: { retries: 100, baseMs: 100, maxMs: 1000 },
      onError: (e) => errors.push(e),
    });
    clients.push(sl);
    const statuses: LiveStatus[] = [];
    sl.live.onStatus((s) => statuses.push(s));
    const tail: LiveEvent[] = [];
    let confirmations = 0;
    sl.live.subscribe('events:sdk_restart', (events) => tail.push(...events), { onSubscribed: () => confirmations++ });
    const counts: number[] = [];
    sl.live.subscribe({ query: countQuery('sdk_restart') }, (data) => counts.push(countOf(data)));
    await waitFor(() => confirmations === 1 && counts.length >= 1, 15_000, 'subscribed');
    expect(sl.live.status).toBe('live');

    sl.track({ source: 'sdk_restart', name: 'before' });
    sl.track({ source: 'sdk_restart', name: 'before' });
    await sl.flush();
    await waitFor(() => tail.length === 2 && counts.at(-1) === 2, 10_000, 'the events before the restart');

    first.child.kill('SIGTERM');
    await waitForExit(first.child);
    await waitFor(() => sl.live.status === 'offline', 10_000, 'status offline');
    // Tracked while the server is down: retried until it is back.
    sl.track({ source: 'sdk_restart', name: 'during' });
    const flushedDuring = sl.flush();

    server = await startServerProcess(env);
    expect(server.url).toBe(first.url);
    await waitFor(() => sl.live.status === 'live', 30_000, 'status live again');
    await flushedDuring;
    await waitFor(() => confirmations === 2, 10_000, 'the tail resubscribed');

    sl.track({ source: 'sdk_restart', name: 'after' });
    await sl.flush();
    await waitFor(() => tail.some((e) => e.name === 'after'), 10_000, 'the tail after the restart');
    await waitFor(() => counts.at(-1) === 4, 10_000, () => `the live count after the restart (counts: ${JSON.stringify(counts)})`);
    const live = statuses.indexOf('live');
    expect(statuses.slice(live + 1)).toContain('offline');
    expect(statuses.at(-1)).toBe('live');
    expect(errors).toEqual([]);
  });
});
