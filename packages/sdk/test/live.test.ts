import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { Sightline, type LiveStatus, type SightlineError, type SightlineOptions } from '../src/index.js';

// The live client against a scripted local server speaking the pinned protocol (docs/live.md):
// the edge cases a real server will not produce on demand. apps/server/test/sdk.test.ts runs the
// same client against the real server.

type Msg = Record<string, unknown> & { type: string };

interface Conn {
  ws: WebSocket;
  url: string;
  received: Msg[];
  send(message: Msg): void;
}

interface Scripted {
  url: string;
  conns: Conn[];
  /** Refuse WebSocket upgrades (HTTP keeps working). */
  refuseUpgrades: boolean;
  /** What POST /v1/query answers. */
  queryAnswer: () => { status: number; body: unknown };
  queryCalls: number;
  close(): Promise<void>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

const ROWS = (n: number) => ({ columns: [{ name: 'n', type: 'integer' }], rows: [[n]], meta: { took_ms: 1, cached: false } });

/**
 * A server whose WebSocket side runs `script(message, conn)` for every message after auth; the
 * auth is answered with `ready` unless `auth` says otherwise.
 */
async function scripted(script: (m: Msg, c: Conn) => void, auth: (token: string, c: Conn) => boolean = () => true): Promise<Scripted> {
  const state: Scripted = {
    url: '',
    conns: [],
    refuseUpgrades: false,
    queryAnswer: () => ({ status: 200, body: ROWS(0) }),
    queryCalls: 0,
    close: async () => undefined,
  };
  const http: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      state.queryCalls++;
      const a = state.queryAnswer();
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body));
    });
  });
  const wss = new WebSocketServer({ noServer: true });
  http.on('upgrade', (req, socket, head) => {
    if (state.refuseUpgrades) return socket.destroy();
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: Conn = { ws, url: req.url ?? '', received: [], send: (m) => ws.send(JSON.stringify(m)) };
      state.conns.push(conn);
      ws.on('message', (data: Buffer) => {
        const m = JSON.parse(data.toString()) as Msg;
        conn.received.push(m);
        if (m.type === 'auth') {
          if (auth(String(m.token), conn)) conn.send({ type: 'ready', heartbeat_ms: 30_000 });
          else {
            conn.send({ type: 'error', code: 'unauthorized' });
            ws.close(4401, 'unauthorized');
          }
          return;
        }
        script(m, conn);
      });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  state.close = async () => {
    for (const c of wss.clients) c.terminate();
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  cleanups.push(() => state.close());
  return state;
}

/** Answers subscribes like the real server: a query becomes query:<its source>, with one update. */
function standard(m: Msg, c: Conn): void {
  if (m.type === 'subscribe') {
    const topic = m.query ? `query:${(m.query as { source: string }).source}` : String(m.topic);
    c.send({ type: 'subscribed', topic });
    if (m.query) c.send({ type: 'update', topic, data: ROWS(1) });
  } else if (m.type === 'unsubscribe') c.send({ type: 'unsubscribed', topic: m.topic as string });
  else if (m.type === 'ping') c.send({ type: 'pong', id: m.id as number });
}

function client(url: string, options: Partial<SightlineOptions> = {}) {
  const errors: SightlineError[] = [];
  const statuses: LiveStatus[] = [];
  const sl = new Sightline({
    url,
    apiKey: 'sl_key',
    reconnect: { baseMs: 1, maxMs: 20 },
    pollIntervalMs: 30,
    onError: (e) => errors.push(e),
    // The ws package stands in for the browser's WebSocket (Node 20 has none).
    WebSocket,
    ...options,
  });
  sl.live.onStatus((s) => statuses.push(s));
  cleanups.push(() => sl.close().catch(() => undefined));
  return { sl, errors, statuses };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const Q = (source: string) => ({ source, measures: [{ as: 'n', fn: 'count' as const }] });

describe('live client', () => {
  it('authenticates in its first message, never in the URL, and resubscribes the query after a reconnect', async () => {
    const server = await scripted(standard);
    let n = 0;
    const { sl, statuses } = client(server.url, { apiKey: undefined, token: () => `token-${++n}` });
    const live: number[] = [];
    const sub = sl.live.subscribe({ query: Q('shop') }, (data, update) => update.via === 'live' && live.push(data.rows[0]![0] as number));
    await waitFor(() => live.length === 1);
    expect(sub.topic).toBe('query:shop');
    expect(sl.live.status).toBe('live');
    const first = server.conns[0]!;
    expect(first.url).toBe('/v1/live');
    expect(first.received[0]).toEqual({ type: 'auth', token: 'token-1' });
    expect(first.received[1]).toEqual({ type: 'subscribe', query: Q('shop') });

    first.ws.terminate(); // the server vanished without a close frame
    await waitFor(() => live.length === 2);
    const second = server.conns[1]!;
    // A fresh token from the function (the polls in between call it too), then the query in full again.
    expect(second.received[0]!.type).toBe('auth');
    expect(second.received[0]!.token).not.toBe('token-1');
    expect(second.received[1]).toEqual({ type: 'subscribe', query: Q('shop') });
    expect(statuses[0]).toBe('connecting');
    expect(statuses.indexOf('live')).toBeLessThan(statuses.lastIndexOf('live'));
    expect(statuses.slice(statuses.indexOf('live') + 1, statuses.lastIndexOf('live'))).not.toContain('live');
    expect(sl.live.status).toBe('live');
  });

  it('gives a refused query subscribe to its onError, does not retry it, and carries on with the next', async () => {
    const server = await scripted((m, c) => {
      if (m.type === 'subscribe' && (m.query as { source: string } | undefined)?.source === 'secret') {
        // Like the real server: the refusal of a query names no topic.
        c.send({ type: 'error', code: 'forbidden', detail: 'no read access to secret' });
      } else standard(m, c);
    });
    const { sl, errors } = client(server.url);
    const refused: SightlineError[] = [];
    const bad = sl.live.subscribe({ query: Q('secret') }, () => undefined, { onError: (e) => refused.push(e) });
    const good: unknown[] = [];
    sl.live.subscribe({ query: Q('shop') }, (d) => good.push(d));
    await waitFor(() => refused.length === 1 && good.length === 1);
    expect(refused[0]).toMatchObject({ code: 'forbidden', detail: 'no read access to secret' });
    expect(bad.closed).toBe(true);
    expect(errors).toEqual([]); // it had its own handler
    // One subscribe at a time: the second left only after the first was answered.
    const subscribes = server.conns[0]!.received.filter((m) => m.type === 'subscribe');
    expect(subscribes).toHaveLength(2);
    // Not retried on reconnect either.
    server.conns[0]!.ws.terminate();
    await waitFor(() => server.conns.length === 2 && server.conns[1]!.received.some((m) => m.type === 'subscribe'));
    expect(server.conns[1]!.received.filter((m) => m.type === 'subscribe')).toEqual([{ type: 'subscribe', query: Q('shop') }]);
  });

  it('shares one server subscription between subscribers of the same topic and unsubscribes with the last', async () => {
    const server = await scripted(standard);
    const { sl } = client(server.url);
    const a: unknown[] = [];
    const b: unknown[] = [];
    const subA = sl.live.subscribe('events:shop', (events) => a.push(...events), { filters: [{ field: 'name', op: 'eq', value: 'x' }] });
    const confirmed = new Promise<string>((resolve) => sl.live.subscribe('events:shop', (events) => b.push(...events), { filters: [{ field: 'name', op: 'eq', value: 'x' }], onSubscribed: resolve }));
    expect(await confirmed).toBe('events:shop');
    const conn = server.conns[0]!;
    conn.send({ type: 'update', topic: 'events:shop', data: [{ id: '1', name: 'x' }], dropped: 2 });
    await waitFor(() => a.length === 1 && b.length === 1);
    subA.unsubscribe();
    conn.send({ type: 'update', topic: 'events:shop', data: [{ id: '2', name: 'x' }] });
    await waitFor(() => b.length === 2);
    expect(a).toHaveLength(1);
    expect(conn.received.filter((m) => m.type === 'subscribe')).toEqual([{ type: 'subscribe', topic: 'events:shop', filters: [{ field: 'name', op: 'eq', value: 'x' }] }]);
    expect(conn.received.some((m) => m.type === 'unsubscribe')).toBe(false);
  });

  it('refuses a second filter set on the same events topic', async () => {
    const server = await scripted(standard);
    const { sl } = client(server.url);
    sl.live.subscribe('events:shop', () => undefined);
    const error = await new Promise<SightlineError>((resolve) => sl.live.subscribe('events:shop', () => undefined, { filters: [{ field: 'name', op: 'eq', value: 'y' }], onError: resolve }));
    expect(error.code).toBe('conflict');
  });

  it('replaces a connection that answers no ping', async () => {
    const server = await scripted((m, c) => {
      if (m.type !== 'ping') standard(m, c); // pings go unanswered
    });
    const { sl } = client(server.url, { pingIntervalMs: 40, pongTimeoutMs: 60 });
    sl.live.connect();
    await waitFor(() => server.conns.length >= 2);
    expect(server.conns[0]!.received.some((m) => m.type === 'ping')).toBe(true);
  });

  it('answers the server’s pings', async () => {
    const server = await scripted(standard);
    const { sl } = client(server.url);
    sl.live.connect();
    await waitFor(() => sl.live.status === 'live');
    server.conns[0]!.send({ type: 'ping', id: 'p7' });
    await waitFor(() => server.conns[0]!.received.some((m) => m.type === 'pong'));
    expect(server.conns[0]!.received.find((m) => m.type === 'pong')).toEqual({ type: 'pong', id: 'p7' });
  });

  it('stops after an API key is refused (4401) and says so', async () => {
    const server = await scripted(standard, () => false);
    const { sl, errors } = client(server.url);
    sl.live.subscribe({ query: Q('shop') }, () => undefined);
    await waitFor(() => errors.length > 0);
    expect(errors[0]).toMatchObject({ code: 'unauthorized' });
    // With a reconnect delay of at most 20 ms, 300 ms would have seen many attempts.
    await new Promise((r) => setTimeout(r, 300));
    expect(server.conns).toHaveLength(1);
    expect(sl.live.status).toBe('offline');
  });

  it('polls query subscriptions while upgrades are refused, delivering only changes', async () => {
    const server = await scripted(standard);
    server.refuseUpgrades = true;
    let value = 5;
    server.queryAnswer = () => ({ status: 200, body: ROWS(value) });
    const { sl, statuses } = client(server.url);
    const seen: { n: unknown; via: string }[] = [];
    sl.live.subscribe({ query: Q('shop') }, (data, update) => seen.push({ n: data.rows[0]![0], via: update.via }));
    await waitFor(() => sl.live.status === 'polling');
    await waitFor(() => server.queryCalls >= 3);
    expect(seen).toEqual([{ n: 5, via: 'poll' }]); // the same rows thrice: delivered once
    value = 6;
    await waitFor(() => seen.length === 2);
    expect(seen[1]).toEqual({ n: 6, via: 'poll' });
    // The HTTP side fails too: offline.
    server.queryAnswer = () => ({ status: 503, body: { code: 'not_ready', status: 503, title: 'x', type: 'x' } });
    await waitFor(() => sl.live.status === 'offline');
    // Upgrades work again: live, and polling stops.
    server.refuseUpgrades = false;
    await waitFor(() => sl.live.status === 'live', 10_000);
    expect(statuses).toEqual(['connecting', 'offline', 'polling', 'offline', 'live']);
  });
});
