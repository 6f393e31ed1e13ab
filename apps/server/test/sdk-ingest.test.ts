import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SightlineError, type EventInput } from '@sightline/sdk';
import { GENEROUS_LIMITS } from './support/harness.js';
import { closeClients, eventsOf, isEventPost, sdkClient, startSdkServer, waitFor, type SdkServer } from './support/sdk-helpers.js';

// The ingest side of the SDK (@sightline/sdk, built to dist) against the real server, through the
// fault proxy (support/fault-proxy.ts): batching, ids, credentials, retries, refusals, the queue
// limit and close. Every answer comes from the server, except the 503s of the proxy standing in for
// a load balancer whose upstream is down. Batching by size, retry through lost answers and a
// network outage, a single refused event and query() are in sdk.test.ts.

afterEach(closeClients);

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** What a promise rejected with (fails the test when it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<SightlineError> {
  const outcome = await promise.then(
    (value) => ({ resolved: value }),
    (error: unknown) => ({ error }),
  );
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.resolved)}`);
  expect(outcome.error).toBeInstanceOf(SightlineError);
  return outcome.error as SightlineError;
}

/** `{ name: count }` of a list of tracked events: what the server should hold. */
function byName(events: EventInput[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const e of events) counts[e.name] = (counts[e.name] ?? 0) + 1;
  return counts;
}

describe('the SDK ingest side against a live server', () => {
  let s: SdkServer;

  beforeAll(async () => {
    s = await startSdkServer();
  });
  afterAll(async () => s?.close());
  afterEach(() => {
    s.proxy.setMode('pass');
    s.proxy.answerUnavailable(undefined);
  });

  it('sends full batches without waiting, and the rest on flush', async () => {
    const { sl, errors } = client({ batchSize: 10, flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    const tracked = Array.from({ length: 25 }, (_, i): EventInput => ({ source: 'ing_batches', name: 'x', value: i }));
    for (const e of tracked) sl.track(e);
    // Two full batches leave on their own (the interval is a minute) and are acknowledged; the
    // remaining five wait.
    await waitFor(() => s.eventPosts(before).filter((r) => r.status === 200).length === 2 && sl.pendingEvents === 5, 10_000, 'two batches acknowledged');
    expect(s.eventPosts(before)).toHaveLength(2);
    expect(await s.storedCount('ing_batches')).toBe(20);

    const result = await sl.flush();
    expect(result).toEqual({ accepted: 5, duplicates: 0 });
    const posts = s.eventPosts(before);
    expect(posts.map((r) => eventsOf(r).length)).toEqual([10, 10, 5]);
    // In order, each with its own id, with the key and as JSON.
    expect(posts.flatMap((r) => eventsOf(r).map((e) => e.value))).toEqual(tracked.map((e) => e.value));
    expect(new Set(posts.flatMap((r) => eventsOf(r).map((e) => e.id))).size).toBe(tracked.length);
    expect(posts.every((r) => r.headers.authorization === `Bearer ${s.key}` && r.headers['content-type'] === 'application/json')).toBe(true);
    expect(await s.storedCount('ing_batches')).toBe(tracked.length);
    expect(errors).toEqual([]);
  });

  it('sends a partial batch once the oldest event has waited flushIntervalMs, without a flush', async () => {
    const { sl, errors } = client({ batchSize: 100, flushIntervalMs: 50 });
    const before = s.proxy.requests.length;
    const tracked: EventInput[] = [
      { source: 'ing_interval', name: 'a' },
      { source: 'ing_interval', name: 'b' },
    ];
    for (const e of tracked) sl.track(e);
    await waitFor(() => sl.pendingEvents === 0, 10_000, 'the events acknowledged');
    const posts = s.eventPosts(before);
    expect(posts).toHaveLength(1);
    expect(eventsOf(posts[0]!).map((e) => e.name)).toEqual(tracked.map((e) => e.name));
    expect(posts[0]!.status).toBe(200);
    expect(await s.storedNames('ing_interval')).toEqual(byName(tracked));
    expect(errors).toEqual([]);
  });

  it('keeps a given id, adds one to an event without, and does not alias the caller’s object', async () => {
    const { sl, errors } = client({ flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    const event: EventInput = { id: 'mine-1', source: 'ing_ids', name: 'x', props: { a: 1 } };
    const bare: EventInput = { source: 'ing_ids', name: 'y' };
    sl.track(event);
    sl.track(bare);
    event.name = 'changed';
    (event.props as { a: number }).a = 2;
    expect(await sl.flush()).toEqual({ accepted: 2, duplicates: 0 });
    const [sent] = s.eventPosts(before).map(eventsOf);
    expect(sent![0]).toMatchObject({ id: 'mine-1', name: 'x' });
    expect(sent![1]!.id).toMatch(UUID_V4);
    expect(bare.id).toBeUndefined();
    expect(await s.storedNames('ing_ids')).toEqual({ x: 1, y: 1 });
    // The server stored the first under the given id: sending that id again is a duplicate.
    sl.track({ id: 'mine-1', source: 'ing_ids', name: 'x' });
    expect(await sl.flush()).toEqual({ accepted: 0, duplicates: 1 });
    expect(await s.storedCount('ing_ids')).toBe(2);
    expect(errors).toEqual([]);
  });

  it('resolves a flush with nothing queued at once, without a request', async () => {
    const { sl } = client({ flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    await expect(sl.flush()).resolves.toEqual({ accepted: 0, duplicates: 0 });
    // A request of the empty flush would go through the proxy before this one.
    sl.track({ source: 'ing_empty', name: 'a' });
    await expect(sl.flush()).resolves.toEqual({ accepted: 1, duplicates: 0 });
    expect(s.proxy.requests.slice(before).map((r) => eventsOf(r).length)).toEqual([1]);
  });

  it('calls a token function for every request', async () => {
    const keys = [(await s.createKey(['ingest'], ['*'])).key, (await s.createKey(['ingest'], ['*'])).key];
    let calls = 0;
    const { sl, errors } = client({ apiKey: undefined, token: () => keys[calls++ % keys.length]!, batchSize: 1, flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    sl.track({ source: 'ing_token', name: 'a' });
    sl.track({ source: 'ing_token', name: 'b' });
    // The flush waits for both batches ('a' left at once: a full batch of 1).
    expect(await sl.flush()).toEqual({ accepted: 2, duplicates: 0 });
    expect(calls).toBe(2);
    expect(s.eventPosts(before).map((r) => [r.headers.authorization, r.status])).toEqual(keys.map((k) => [`Bearer ${k}`, 200]));
    expect(await s.storedCount('ing_token')).toBe(2);
    expect(errors).toEqual([]);
  });

  it('retries a 503 of the load balancer with the same ids, no sooner than its Retry-After', async () => {
    let answered = 0;
    s.proxy.answerUnavailable((r) => isEventPost(r) && answered++ === 0, { retryAfterSeconds: 1 });
    // Without the header the retry would leave within a millisecond.
    const { sl, errors } = client({ flushIntervalMs: 60_000, retry: { retries: 3, baseMs: 1, maxMs: 1 } });
    const before = s.proxy.requests.length;
    sl.track({ source: 'ing_503', name: 'a' });
    sl.track({ source: 'ing_503', name: 'b' });
    expect(await sl.flush()).toEqual({ accepted: 2, duplicates: 0 });
    const [refused, retried, ...more] = s.eventPosts(before);
    expect(more).toEqual([]);
    expect(refused).toMatchObject({ status: 503, answeredByProxy: true });
    expect(retried).toMatchObject({ status: 200 });
    expect(retried!.answeredByProxy).toBeUndefined();
    expect(eventsOf(retried!)).toEqual(eventsOf(refused!));
    // A lower bound only: a loaded machine makes the wait longer, never shorter.
    expect(retried!.at - refused!.answeredAt!).toBeGreaterThanOrEqual(950);
    expect(await s.storedCount('ing_503')).toBe(2);
    expect(errors).toEqual([]);
  });

  it('gives up after `retries` and rejects flush with a retryable error', async () => {
    s.proxy.answerUnavailable(isEventPost);
    const { sl, errors } = client({ flushIntervalMs: 60_000, retry: { retries: 2, baseMs: 1, maxMs: 1 } });
    const before = s.proxy.requests.length;
    sl.track({ source: 'ing_give_up', name: 'a' });
    const error = await rejectionOf(sl.flush());
    // The balancer's HTML is no problem+json: the status is all there is.
    expect(error).toMatchObject({ code: 'internal', status: 503, retryable: true });
    expect(error.events!.map((e) => e.name)).toEqual(['a']);
    expect(s.eventPosts(before).map((r) => r.status)).toEqual([503, 503, 503]);
    expect(errors.map((e) => e.code)).toEqual(['internal']);
    s.proxy.answerUnavailable(undefined);
    expect(await s.storedCount('ing_give_up')).toBe(0);
  });

  it('does not retry a 401: a revoked key', async () => {
    const { id, key } = await s.createKey(['ingest'], ['*']);
    const { sl, errors } = client({ apiKey: key, flushIntervalMs: 60_000, retry: { retries: 5, baseMs: 1, maxMs: 1 } });
    sl.track({ source: 'ing_revoked', name: 'before' });
    expect(await sl.flush()).toEqual({ accepted: 1, duplicates: 0 });
    await s.revokeKey(id);
    const before = s.proxy.requests.length;
    sl.track({ source: 'ing_revoked', name: 'after' });
    const error = await rejectionOf(sl.flush());
    expect(error).toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(s.eventPosts(before).map((r) => r.status)).toEqual([401]);
    expect(errors.map((e) => e.code)).toEqual(['unauthorized']);
    expect(await s.storedNames('ing_revoked')).toEqual({ before: 1 });
  });

  it('stores the good events of a refused batch, and rejects flush with the bad ones, paths renumbered into them', async () => {
    const { sl, errors } = client({ flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    const tracked: EventInput[] = [
      { source: 'ing_invalid', name: 'good1' },
      { source: 'ing_invalid', name: 'bad', ts: '2026-01-01T00:00:00' },
      { source: 'ing_invalid', name: 'good2' },
      { source: 'ing_invalid', name: 'bad', ts: '2026-01-02T00:00:00' },
    ];
    for (const e of tracked) sl.track(e);
    const error = await rejectionOf(sl.flush());
    expect(error).toMatchObject({ code: 'invalid_events', status: 400, retryable: false });
    const bad = tracked.filter((e) => e.name === 'bad');
    const good = tracked.filter((e) => e.name !== 'bad');
    // The server pointed at /events/1 and /events/3 of the batch; the error's paths point into its own events.
    expect(error.errors.map((e) => e.path)).toEqual(['/events/0/ts', '/events/1/ts']);
    expect(error.events!.map((e) => e.ts)).toEqual(bad.map((e) => e.ts));
    const posts = s.eventPosts(before);
    expect(posts.map((r) => r.status)).toEqual([400, 200]);
    expect(eventsOf(posts[1]!).map((e) => e.name)).toEqual(good.map((e) => e.name));
    expect(await s.storedNames('ing_invalid')).toEqual(byName(good));
    expect(errors.map((e) => e.code)).toEqual(['invalid_events']);
  });

  it('drops the oldest past maxQueuedEvents, reports each burst once, and sends the newest', async () => {
    const max = 5;
    const { sl, errors } = client({ maxQueuedEvents: max, flushIntervalMs: 60_000 });
    const tracked = Array.from({ length: 10 }, (_, i): EventInput => ({ source: 'ing_overflow', name: `e${i}` }));
    for (const e of tracked.slice(0, 8)) sl.track(e);
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('3 queued event(s) dropped')]);
    for (const e of tracked.slice(8)) sl.track(e);
    await new Promise((r) => setTimeout(r, 0));
    expect(errors.map((e) => e.code)).toEqual(['queue_overflow', 'queue_overflow']);
    expect(errors[1]!.message).toContain('2 queued event(s) dropped');
    expect(await sl.flush()).toEqual({ accepted: max, duplicates: 0 });
    expect(await s.storedNames('ing_overflow')).toEqual(byName(tracked.slice(-max)));
  });

  it('rejects a flush whose events were dropped from the queue', async () => {
    const { sl } = client({ maxQueuedEvents: 2, batchSize: 1, flushIntervalMs: 60_000 });
    sl.track({ source: 'ing_dropped', name: 'in_flight' }); // a full batch: on its way at once
    sl.track({ source: 'ing_dropped', name: 'queued' });
    const flushed = sl.flush();
    // Behind the batch in flight, two more push the flushed 'queued' out of the queue.
    sl.track({ source: 'ing_dropped', name: 'pushes_out_1' });
    sl.track({ source: 'ing_dropped', name: 'pushes_out_2' });
    const error = await rejectionOf(flushed);
    expect(error.code).toBe('queue_overflow');
    expect(error.events!.map((e) => e.name)).toEqual(['queued']);
    expect(await sl.flush()).toMatchObject({ duplicates: 0 });
    expect(await s.storedNames('ing_dropped')).toEqual({ in_flight: 1, pushes_out_1: 1, pushes_out_2: 1 });
  });

  it('close() sends what is queued, then refuses events', async () => {
    const { sl, errors } = client({ flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    sl.track({ source: 'ing_close', name: 'last' });
    await sl.close();
    expect(s.eventPosts(before).map((r) => eventsOf(r).length)).toEqual([1]);
    expect(await s.storedNames('ing_close')).toEqual({ last: 1 });
    sl.track({ source: 'ing_close', name: 'too_late' });
    expect(errors.map((e) => e.code)).toEqual(['closed']);
    expect(errors[0]!.events!.map((e) => e.name)).toEqual(['too_late']);
    expect(s.eventPosts(before)).toHaveLength(1);
  });

  function client(options: Parameters<typeof sdkClient>[1] = {}) {
    return sdkClient(s, options);
  }
});

describe('the SDK against the server’s rate limit', () => {
  let s: SdkServer;

  beforeAll(async () => {
    // One ingest request per key every 2 s.
    s = await startSdkServer({ rateLimits: { ...GENEROUS_LIMITS, ingest: { ...GENEROUS_LIMITS.ingest, key: { points: 1, seconds: 2 } } } });
  });
  afterAll(async () => s?.close());

  it('retries a 429 after its Retry-After', async () => {
    const { sl, errors } = sdkClient(s, { batchSize: 1, flushIntervalMs: 60_000, retry: { retries: 3, baseMs: 1, maxMs: 1 } });
    const before = s.proxy.requests.length;
    sl.track({ source: 'lim_429', name: 'a' });
    sl.track({ source: 'lim_429', name: 'b' });
    expect(await sl.flush()).toEqual({ accepted: 2, duplicates: 0 });
    const posts = s.eventPosts(before);
    expect(posts.map((r) => r.status)).toEqual([200, 429, 200]);
    expect(eventsOf(posts[2]!)).toEqual(eventsOf(posts[1]!));
    // The server said "retry in ≥ 1 s" (a lower bound: load only makes it later).
    expect(posts[2]!.at - posts[1]!.answeredAt!).toBeGreaterThanOrEqual(950);
    expect(await s.storedCount('lim_429')).toBe(2);
    expect(errors).toEqual([]);
  });
});

describe('the SDK against the server’s batch limit', () => {
  let s: SdkServer;

  beforeAll(async () => {
    s = await startSdkServer({ maxBatchEvents: 4 });
  });
  afterAll(async () => s?.close());

  it('halves a batch the server finds too large until it fits, storing every event once', async () => {
    const { sl, errors } = sdkClient(s, { batchSize: 10, flushIntervalMs: 60_000 });
    const before = s.proxy.requests.length;
    const tracked = Array.from({ length: 10 }, (_, i): EventInput => ({ source: 'lim_413', name: `e${i}`, value: i }));
    for (const e of tracked) sl.track(e);
    expect(await sl.flush()).toEqual({ accepted: tracked.length, duplicates: 0 });
    const posts = s.eventPosts(before);
    const refused = posts.filter((r) => r.status === 413);
    const stored = posts.filter((r) => r.status === 200);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused.every((r) => eventsOf(r).length > s.t.config.maxBatchEvents)).toBe(true);
    expect(stored.every((r) => eventsOf(r).length <= s.t.config.maxBatchEvents)).toBe(true);
    expect(posts).toHaveLength(refused.length + stored.length);
    // In order, nothing lost, nothing twice.
    expect(stored.flatMap((r) => eventsOf(r).map((e) => e.value))).toEqual(tracked.map((e) => e.value));
    expect(await s.storedNames('lim_413')).toEqual(byName(tracked));
    expect(errors).toEqual([]);
  });
});
