import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Filter, LiveEvent, LiveStatus, SightlineError } from '@sightline/sdk';
import { loadConfig } from '../src/config.js';
import type { SeenWebSocket } from './support/fault-proxy.js';
import { ADMIN } from './support/harness.js';
import { closeClients, countOf, countQuery, sdkClient, startSdkServer, waitFor, type SdkServer } from './support/sdk-helpers.js';

// The live channel of the SDK (@sightline/sdk, built to dist) against the real server, through the
// fault proxy (support/fault-proxy.ts), which records the WebSocket messages both ways and can cut,
// refuse or silence connections. The live tail and query, the polling fallback and the restart are
// in sdk.test.ts.

afterEach(closeClients);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the SDK live channel against a live server', () => {
  let s: SdkServer;
  /** Index of the first request / WebSocket of the running test in the proxy's records. */
  let requestsBefore: number;
  let websocketsBefore: number;

  beforeAll(async () => {
    // The server's heartbeat is its default (30 s): it never drops a silent peer within a test,
    // so what replaces a dead connection here is the SDK.
    s = await startSdkServer();
  });
  afterAll(async () => s?.close());
  beforeEach(() => {
    requestsBefore = s.proxy.requests.length;
    websocketsBefore = s.proxy.websockets.length;
  });
  afterEach(() => {
    s.proxy.setMode('pass');
    s.proxy.answerUnavailable(undefined);
  });

  /** The WebSocket connections of this test that the server accepted, in order. */
  const sockets = (): SeenWebSocket[] => s.proxy.websockets.slice(websocketsBefore).filter((w) => w.accepted);
  const sent = (ws: SeenWebSocket, type: string) => ws.sent.filter((m) => m.type === type);

  function client(options: Parameters<typeof sdkClient>[1] = {}) {
    const made = sdkClient(s, { flushIntervalMs: 60_000, reconnect: { baseMs: 10, maxMs: 100 }, ...options });
    const statuses: LiveStatus[] = [];
    made.sl.live.onStatus((status) => statuses.push(status));
    return { ...made, statuses };
  }

  it('authenticates in its first message, never in the URL, and resubscribes its query after a reconnect', async () => {
    const tokens: string[] = [];
    // A token function handing out a fresh access token at every call.
    const { sl, errors, statuses } = client({
      apiKey: undefined,
      token: async () => {
        const token = (await s.t.login(ADMIN.email, ADMIN.password)).access_token;
        tokens.push(token);
        return token;
      },
    });
    const q = countQuery('live_auth');
    const counts: number[] = [];
    let confirmations = 0;
    const sub = sl.live.subscribe({ query: q }, (data, update) => update.via === 'live' && counts.push(countOf(data)), { onSubscribed: () => confirmations++ });
    await waitFor(() => confirmations === 1 && counts.length === 1, 10_000, () => 'DEBUG ' + JSON.stringify({ statuses, errors: errors.map(String), ws: s.proxy.websockets, reqs: s.proxy.requests.slice(requestsBefore), confirmations, counts }));
    expect(sub.topic).toMatch(/^query:/);
    expect(sl.live.status).toBe('live');

    const [first] = sockets();
    expect(first!.request.path).toBe('/v1/live');
    expect(first!.sent[0]).toEqual({ type: 'auth', token: tokens[0] });
    expect(first!.sent[1]).toEqual({ type: 'subscribe', query: q });

    // The connection dies without a close frame.
    expect(s.proxy.dropConnections('websocket')).toBeGreaterThanOrEqual(1);
    await waitFor(() => confirmations === 2 && sl.live.status === 'live', 10_000, 'resubscribed');
    const second = sockets().at(-1)!;
    expect(second).not.toBe(first);
    // A fresh token from the function, then the query in full again.
    expect(second.sent[0]).toMatchObject({ type: 'auth' });
    expect(second.sent[0]!.token).not.toBe(tokens[0]);
    expect(tokens).toContain(second.sent[0]!.token);
    expect(second.sent[1]).toEqual({ type: 'subscribe', query: q });
    expect(sub.topic).toBe(second.received.find((m) => m.type === 'subscribed')!.topic);

    // The resubscribed query is live on the new connection.
    const base = counts.at(-1)!;
    sl.track({ source: 'live_auth', name: 'x' });
    sl.track({ source: 'live_auth', name: 'x' });
    await sl.flush();
    await waitFor(() => counts.at(-1) === base + 2, 10_000, 'the count up by 2');

    // No token ever travelled in a URL, nor in the headers of an upgrade.
    const seen = s.proxy.requests.slice(requestsBefore);
    expect(seen.filter((r) => r.upgrade).length).toBeGreaterThanOrEqual(2);
    for (const token of tokens) {
      expect(seen.filter((r) => r.path.includes(token))).toEqual([]);
      expect(seen.filter((r) => r.upgrade && JSON.stringify(r.headers).includes(token))).toEqual([]);
    }
    const firstLive = statuses.indexOf('live');
    expect(statuses[0]).toBe('connecting');
    expect(statuses.slice(firstLive + 1, -1)).not.toContain('live');
    expect(statuses.slice(firstLive + 1, -1).length).toBeGreaterThan(0);
    expect(statuses.at(-1)).toBe('live');
    expect(errors).toEqual([]);
  });

  it('gives a refused query subscribe to its onError, does not retry it, and carries on with the next', async () => {
    const { key } = await s.createKey(['read'], ['live_allowed']);
    const { sl, errors } = client({ apiKey: key });
    const refused: SightlineError[] = [];
    const secret = countQuery('live_secret');
    const allowed = countQuery('live_allowed');
    const bad = sl.live.subscribe({ query: secret }, () => undefined, { onError: (e) => refused.push(e) });
    const good: number[] = [];
    let confirmations = 0;
    sl.live.subscribe({ query: allowed }, (data) => good.push(countOf(data)), { onSubscribed: () => confirmations++ });
    await waitFor(() => refused.length === 1 && confirmations === 1 && good.length >= 1, 10_000, 'one refused, one subscribed');
    expect(refused[0]).toMatchObject({ code: 'forbidden' });
    expect(refused[0]!.errors.length).toBeGreaterThan(0);
    expect(bad.closed).toBe(true);
    expect(errors).toEqual([]); // it had its own handler

    const [first] = sockets();
    expect(sent(first!, 'subscribe')).toEqual([
      { type: 'subscribe', query: secret },
      { type: 'subscribe', query: allowed },
    ]);
    expect(first!.received.filter((m) => m.type === 'error' || m.type === 'subscribed').map((m) => [m.type, m.code])).toEqual([
      ['error', 'forbidden'],
      ['subscribed', undefined],
    ]);

    // Not retried after a reconnect either: only the good one is subscribed again.
    s.proxy.dropConnections('websocket');
    await waitFor(() => confirmations === 2, 10_000, 'resubscribed');
    const second = sockets().at(-1)!;
    expect(second).not.toBe(first);
    expect(sent(second, 'subscribe')).toEqual([{ type: 'subscribe', query: allowed }]);
    expect(refused).toHaveLength(1);
    expect(errors).toEqual([]);
  });

  it('shares one server subscription between subscribers of the same topic, and unsubscribes with the last', async () => {
    const { sl, errors } = client();
    const topic = 'events:live_shared';
    const filters: Filter[] = [{ field: 'name', op: 'eq', value: 'x' }];
    const a: LiveEvent[] = [];
    const b: LiveEvent[] = [];
    const subA = sl.live.subscribe(topic, (events) => a.push(...events), { filters });
    let subB: { unsubscribe(): void } | undefined;
    const confirmed = new Promise<string>((resolve) => (subB = sl.live.subscribe(topic, (events) => b.push(...events), { filters, onSubscribed: resolve })));
    expect(await confirmed).toBe(topic);

    const tracked = ['x', 'y', 'x'];
    for (const name of tracked) sl.track({ source: 'live_shared', name });
    await sl.flush();
    const wanted = tracked.filter((n) => n === 'x').length;
    await waitFor(() => a.length === wanted && b.length === wanted, 10_000, 'the filtered events on both');
    expect([...a, ...b].every((e) => e.name === 'x')).toBe(true);

    subA.unsubscribe();
    sl.track({ source: 'live_shared', name: 'x' });
    await sl.flush();
    await waitFor(() => b.length === wanted + 1, 10_000, 'the next event on the remaining subscriber');
    expect(a).toHaveLength(wanted);

    const [conn] = sockets();
    expect(sent(conn!, 'subscribe')).toEqual([{ type: 'subscribe', topic, filters }]);
    expect(sent(conn!, 'unsubscribe')).toEqual([]);
    // The last one out tells the server, which confirms.
    subB!.unsubscribe();
    await waitFor(() => conn!.received.some((m) => m.type === 'unsubscribed' && m.topic === topic), 10_000, 'the server’s unsubscribed');
    expect(sent(conn!, 'unsubscribe')).toEqual([{ type: 'unsubscribe', topic }]);
    expect(errors).toEqual([]);
  });

  it('refuses a second filter set on the same events topic, and keeps the first', async () => {
    const { sl, errors } = client();
    const topic = 'events:live_conflict';
    const events: LiveEvent[] = [];
    let confirmations = 0;
    sl.live.subscribe(topic, (e) => events.push(...e), { onSubscribed: () => confirmations++ });
    const error = await new Promise<SightlineError>((resolve) =>
      sl.live.subscribe(topic, () => undefined, { filters: [{ field: 'name', op: 'eq', value: 'y' }], onError: resolve }),
    );
    expect(error.code).toBe('conflict');
    await waitFor(() => confirmations === 1, 10_000, 'the first subscribed');
    sl.track({ source: 'live_conflict', name: 'x' });
    await sl.flush();
    await waitFor(() => events.length === 1, 10_000, 'the event on the first subscription');
    expect(sent(sockets()[0]!, 'subscribe')).toEqual([{ type: 'subscribe', topic }]);
    expect(errors).toEqual([]);
  });

  it('replaces a connection that answers no ping', async () => {
    const { sl, errors, statuses } = client({ pingIntervalMs: 200, pongTimeoutMs: 1000 });
    const tail: LiveEvent[] = [];
    let confirmations = 0;
    sl.live.subscribe('events:live_dead', (events) => tail.push(...events), { onSubscribed: () => confirmations++ });
    await waitFor(() => confirmations === 1, 10_000, 'subscribed');
    const [first] = sockets();
    // While the path is alive, the SDK's pings are answered.
    await waitFor(() => first!.received.some((m) => m.type === 'pong'), 10_000, 'a pong');

    // The peer goes silent: nothing is forwarded either way, and nothing is closed.
    expect(s.proxy.blackhole('websocket')).toBeGreaterThanOrEqual(1);
    const sentBefore = first!.sent.length;
    await waitFor(() => confirmations === 2 && sl.live.status === 'live', 15_000, 'subscribed on a new connection');
    // It pinged the silent connection, heard nothing, and gave up on it.
    expect(first!.sent.slice(sentBefore).some((m) => m.type === 'ping')).toBe(true);
    await waitFor(() => first!.closed, 10_000, 'the silent connection closed by the SDK');
    const second = sockets().at(-1)!;
    expect(second).not.toBe(first);
    expect(second.blackholed).toBe(false);
    expect(statuses.slice(statuses.indexOf('live') + 1)).toContain('offline');

    sl.track({ source: 'live_dead', name: 'after' });
    await sl.flush();
    await waitFor(() => tail.some((e) => e.name === 'after'), 10_000, 'the tail on the new connection');
    expect(errors).toEqual([]);
  });

  it('stops when its API key is refused at the handshake, and says why', async () => {
    const { id, key } = await s.createKey(['read'], ['*']);
    await s.revokeKey(id);
    const { sl, errors, statuses } = client({ apiKey: key, reconnect: { baseMs: 1, maxMs: 20 } });
    sl.live.subscribe({ query: countQuery('live_refused') }, () => undefined);
    await waitFor(() => errors.length > 0 && sl.live.status === 'offline', 10_000, 'the refusal');
    expect(errors.map((e) => e.code)).toEqual(['unauthorized']);
    expect(errors[0]!.detail).toBeTruthy();
    // With reconnects at most 20 ms apart, half a second would have seen many attempts.
    await sleep(500);
    expect(s.proxy.websockets.slice(websocketsBefore)).toHaveLength(1);
    expect(sockets()[0]!.received.map((m) => m.type)).toEqual(['error']);
    expect(sl.live.status).toBe('offline');
    expect(statuses).toEqual(['connecting', 'offline']);
    expect(errors).toHaveLength(1);
  });

  it('stops when its API key is revoked while live, and says why', async () => {
    const { id, key } = await s.createKey(['read'], ['*']);
    const { sl, errors, statuses } = client({ apiKey: key, reconnect: { baseMs: 1, maxMs: 20 } });
    let confirmations = 0;
    sl.live.subscribe('events:live_revoked', () => undefined, { onSubscribed: () => confirmations++ });
    await waitFor(() => confirmations === 1, 10_000, 'subscribed');
    await s.revokeKey(id);
    await waitFor(() => errors.length > 0 && sl.live.status === 'offline', 10_000, 'the refusal');
    await sleep(500);
    expect(errors.map((e) => e.code)).toEqual(['unauthorized']);
    expect(errors[0]!.detail).toBeTruthy();
    expect(s.proxy.websockets.slice(websocketsBefore)).toHaveLength(1);
    expect(sockets()[0]!.closed).toBe(true);
    expect(statuses).toEqual(['connecting', 'live', 'offline']);
    expect(confirmations).toBe(1);
  });

  it('polls while upgrades are refused, delivering only changes; offline when HTTP fails too; live when upgrades return', async () => {
    s.proxy.setMode('refuse-websocket');
    const { sl, errors, statuses } = client({ pollIntervalMs: 100, reconnect: { baseMs: 50, maxMs: 200 } });
    const seen: { n: number; via: string }[] = [];
    sl.live.subscribe({ query: countQuery('live_poll') }, (data, update) => seen.push({ n: countOf(data), via: update.via }));
    await waitFor(() => sl.live.status === 'polling' && seen.length === 1, 10_000, 'polling, with a result');
    const polls = () => s.proxy.requests.slice(requestsBefore).filter((r) => r.method === 'POST' && r.path === '/v1/query' && r.status === 200);
    // The same answer, polled again and again, is delivered once.
    await waitFor(() => polls().length >= 3, 10_000, 'three polls');
    expect(seen).toHaveLength(1);
    const base = seen[0]!.n;

    sl.track({ source: 'live_poll', name: 'x' });
    sl.track({ source: 'live_poll', name: 'x' });
    await sl.flush();
    await waitFor(() => seen.length === 2, 10_000, 'the changed result');
    expect(seen[1]).toEqual({ n: base + 2, via: 'poll' });
    const polled = polls().length;
    await waitFor(() => polls().length >= polled + 3, 10_000, 'three more polls');
    expect(seen).toHaveLength(2);
    expect(s.proxy.requests.slice(requestsBefore).some((r) => r.upgrade)).toBe(true);
    expect(sockets()).toEqual([]);

    // The balancer now fails the HTTP side too: nothing answers.
    s.proxy.answerUnavailable((r) => r.path === '/v1/query');
    await waitFor(() => sl.live.status === 'offline', 10_000, 'offline');
    // Upgrades pass again (HTTP still failing, so nothing can flip it back to polling first): live.
    s.proxy.setMode('pass');
    await waitFor(() => sl.live.status === 'live', 10_000, 'live');
    s.proxy.answerUnavailable(undefined);
    expect(statuses).toEqual(['connecting', 'offline', 'polling', 'offline', 'live']);

    sl.track({ source: 'live_poll', name: 'x' });
    await sl.flush();
    await waitFor(() => seen.at(-1)!.via === 'live' && seen.at(-1)!.n === base + 3, 10_000, 'a live update');
    expect(errors).toEqual([]);
  });
});

describe('the SDK live channel against a server with a fast heartbeat', () => {
  let s: SdkServer;

  beforeAll(async () => {
    // The server pings every second and drops a peer that did not answer the previous ping.
    s = await startSdkServer({ live: { ...loadConfig({}).live, heartbeatSeconds: 1 } });
  });
  afterAll(async () => s?.close());

  it('answers the server’s pings: one connection outlives several heartbeats', async () => {
    // The SDK's own pings (app-level messages) do not count for the server's heartbeat; kept rare here.
    const { sl, errors } = sdkClient(s, { pingIntervalMs: 60_000, flushIntervalMs: 60_000, reconnect: { baseMs: 10, maxMs: 100 } });
    const statuses: LiveStatus[] = [];
    sl.live.onStatus((status) => statuses.push(status));
    const tail: LiveEvent[] = [];
    let confirmations = 0;
    sl.live.subscribe('events:live_heartbeat', (events) => tail.push(...events), { onSubscribed: () => confirmations++ });
    await waitFor(() => confirmations === 1, 10_000, 'subscribed');
    const [ws] = s.proxy.websockets;
    await waitFor(() => ws!.frames.serverPings >= 3 && ws!.frames.clientPongs >= 3, 15_000, () => `three pings answered (${JSON.stringify(ws!.frames)})`);
    // Still the first connection: a missed pong would have had it dropped at the next beat.
    expect(s.proxy.websockets).toHaveLength(1);
    expect(ws!.closed).toBe(false);
    expect(s.t.app.liveHub.stats().connections).toBe(1);
    expect(statuses).toEqual(['connecting', 'live']);
    expect(confirmations).toBe(1);
    sl.track({ source: 'live_heartbeat', name: 'x' });
    await sl.flush();
    await waitFor(() => tail.length === 1, 10_000, 'an event on the same connection');
    expect(errors).toEqual([]);
  });
});
