import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventInput } from '@sightline/protocol';
import { Sightline, SightlineError, type SightlineOptions } from '../src/index.js';

// The ingest side against a real local HTTP server whose answers each test scripts. (The real
// Sightline server is exercised by apps/server/test/sdk.test.ts; these pin the client's rules.)

interface Received {
  events: EventInput[];
  headers: IncomingMessage['headers'];
  at: number;
}

type Answer = { status: number; body?: unknown; headers?: Record<string, string> };

interface LocalServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

const servers: LocalServer[] = [];
const clients: Sightline[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that records each POST /v1/events and answers with `answer(request number, events)`. */
async function localServer(answer: (n: number, events: EventInput[]) => Answer = (_n, events) => ok(events.length)): Promise<LocalServer> {
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const events = (JSON.parse(body) as { events: EventInput[] }).events;
      received.push({ events, headers: req.headers, at: Date.now() });
      const a = answer(received.length, events);
      const type = a.status >= 400 ? 'application/problem+json' : 'application/json';
      res.writeHead(a.status, { 'content-type': type, ...a.headers });
      res.end(a.body === undefined ? '' : JSON.stringify(a.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const local: LocalServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(local);
  return local;
}

function ok(accepted: number) {
  return { status: 200, body: { accepted, duplicates: 0 } };
}

function problem(status: number, code: string, errors?: { path: string; message: string }[]) {
  return { status, body: { type: `urn:sightline:problem:${code}`, title: code, status, code, ...(errors ? { errors } : {}) } };
}

function client(url: string, options: Partial<SightlineOptions> = {}): { sl: Sightline; errors: SightlineError[] } {
  const errors: SightlineError[] = [];
  const sl = new Sightline({ url, apiKey: 'sl_test_key', flushIntervalMs: 60_000, random: () => 0, onError: (e) => errors.push(e), ...options });
  clients.push(sl);
  return { sl, errors };
}

async function waitFor(predicate: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('waitFor: timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('track and flush', () => {
  it('sends full batches without waiting, and the rest on flush', async () => {
    const server = await localServer();
    const { sl } = client(server.url, { batchSize: 10 });
    for (let i = 0; i < 25; i++) sl.track({ source: 'shop', name: 'x', value: i });
    // Two full batches leave on their own (the interval is a minute).
    await waitFor(() => server.received.length === 2);
    expect(server.received.map((r) => r.events.length)).toEqual([10, 10]);
    const result = await sl.flush();
    expect(server.received.map((r) => r.events.length)).toEqual([10, 10, 5]);
    expect(result).toEqual({ accepted: 5, duplicates: 0 });
    // In order, each with an id, with the key and JSON.
    expect(server.received.flatMap((r) => r.events.map((e) => e.value))).toEqual(Array.from({ length: 25 }, (_, i) => i));
    expect(new Set(server.received.flatMap((r) => r.events.map((e) => e.id))).size).toBe(25);
    expect(server.received[0]!.headers.authorization).toBe('Bearer sl_test_key');
    expect(server.received[0]!.headers['content-type']).toBe('application/json');
  });

  it('sends a partial batch once the oldest event has waited flushIntervalMs', async () => {
    const server = await localServer();
    const { sl } = client(server.url, { batchSize: 100, flushIntervalMs: 30 });
    sl.track({ source: 'shop', name: 'a' });
    sl.track({ source: 'shop', name: 'b' });
    await waitFor(() => server.received.length === 1);
    expect(server.received[0]!.events.map((e) => e.name)).toEqual(['a', 'b']);
    await waitFor(() => sl.pendingEvents === 0);
  });

  it('keeps a given id, adds none to it, and does not alias the caller’s object', async () => {
    const server = await localServer();
    const { sl } = client(server.url);
    const event: EventInput = { id: 'mine-1', source: 'shop', name: 'x', props: { a: 1 } };
    sl.track(event);
    const bare: EventInput = { source: 'shop', name: 'y' };
    sl.track(bare);
    event.name = 'changed';
    await sl.flush();
    expect(server.received[0]!.events[0]).toMatchObject({ id: 'mine-1', name: 'x' });
    expect(server.received[0]!.events[1]!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(bare.id).toBeUndefined();
  });

  it('flush with nothing queued resolves at once', async () => {
    const server = await localServer();
    const { sl } = client(server.url);
    await expect(sl.flush()).resolves.toEqual({ accepted: 0, duplicates: 0 });
    expect(server.received).toHaveLength(0);
  });

  it('uses a token function per request', async () => {
    const server = await localServer();
    let n = 0;
    const { sl } = client(server.url, { apiKey: undefined, token: async () => `tok-${++n}`, batchSize: 1 });
    sl.track({ source: 'shop', name: 'a' });
    sl.track({ source: 'shop', name: 'b' });
    await sl.flush();
    expect(server.received.map((r) => r.headers.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
  });
});

describe('retry', () => {
  it('retries 5xx with the same ids, honouring Retry-After', async () => {
    const server = await localServer((n, events) => (n === 1 ? { ...problem(503, 'not_ready'), headers: { 'retry-after': '1' } } : ok(events.length)));
    const { sl, errors } = client(server.url);
    sl.track({ source: 'shop', name: 'a' });
    sl.track({ source: 'shop', name: 'b' });
    await sl.flush();
    expect(server.received).toHaveLength(2);
    expect(server.received[1]!.events).toEqual(server.received[0]!.events);
    // random() is 0, so without the header the retry would have left at once.
    expect(server.received[1]!.at - server.received[0]!.at).toBeGreaterThanOrEqual(990);
    expect(errors).toEqual([]);
  });

  it('retries 429 and network errors', async () => {
    let refuse = true;
    const server = await localServer((n, events) => (n === 1 ? problem(429, 'rate_limited') : ok(events.length)));
    // A fetch that fails like a refused connection the first time, then goes through.
    const fetchOnceFailing: SightlineOptions['fetch'] = async (input, init) => {
      if (refuse) {
        refuse = false;
        throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const { sl } = client(server.url, { fetch: fetchOnceFailing });
    sl.track({ source: 'shop', name: 'a' });
    await expect(sl.flush()).resolves.toEqual({ accepted: 1, duplicates: 0 });
    expect(server.received).toHaveLength(2); // the 429, then the success
  });

  it('gives up after `retries` and rejects flush with a retryable error', async () => {
    const server = await localServer(() => problem(500, 'internal'));
    const { sl, errors } = client(server.url, { retry: { retries: 2, baseMs: 1, maxMs: 1 } });
    sl.track({ source: 'shop', name: 'a' });
    const error = await sl.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SightlineError);
    expect(error).toMatchObject({ code: 'internal', status: 500, retryable: true });
    expect(server.received).toHaveLength(3);
    expect(errors.map((e) => e.code)).toEqual(['internal']);
  });

  it('does not retry a 401', async () => {
    const server = await localServer(() => problem(401, 'unauthorized'));
    const { sl } = client(server.url);
    sl.track({ source: 'shop', name: 'a' });
    await expect(sl.flush()).rejects.toMatchObject({ code: 'unauthorized', status: 401, retryable: false });
    expect(server.received).toHaveLength(1);
  });

  it('halves a batch the server finds too large', async () => {
    const server = await localServer((_n, events) => (events.length > 4 ? problem(413, 'payload_too_large') : ok(events.length)));
    const { sl } = client(server.url);
    for (let i = 0; i < 10; i++) sl.track({ source: 'shop', name: 'x', value: i });
    await expect(sl.flush()).resolves.toEqual({ accepted: 10, duplicates: 0 });
    const stored = server.received.filter((r) => r.events.length <= 4).flatMap((r) => r.events.map((e) => e.value));
    expect(stored).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});

describe('refused events', () => {
  it('stores the good events of a batch and rejects flush with the bad ones, paths pointing into them', async () => {
    const server = await localServer((_n, events) => {
      const bad = events.map((e, i) => (e.name === 'bad' ? i : -1)).filter((i) => i >= 0);
      if (bad.length === 0) return ok(events.length);
      return problem(
        400,
        'invalid_events',
        bad.map((i) => ({ path: `/events/${i}/ts`, message: 'has no offset' })),
      );
    });
    const { sl, errors } = client(server.url);
    sl.track({ source: 'shop', name: 'good1' });
    sl.track({ source: 'shop', name: 'bad', ts: '2026-01-01T00:00:00' });
    sl.track({ source: 'shop', name: 'good2' });
    sl.track({ source: 'shop', name: 'bad', ts: '2026-01-02T00:00:00' });
    const error = (await sl.flush().catch((e: unknown) => e)) as SightlineError;
    expect(error).toBeInstanceOf(SightlineError);
    expect(error.code).toBe('invalid_events');
    expect(error.status).toBe(400);
    expect(error.errors.map((e) => e.path)).toEqual(['/events/0/ts', '/events/1/ts']);
    expect(error.events!.map((e) => e.ts)).toEqual(['2026-01-01T00:00:00', '2026-01-02T00:00:00']);
    // The good events went through in a second request.
    expect(server.received[1]!.events.map((e) => e.name)).toEqual(['good1', 'good2']);
    expect(errors).toHaveLength(1);
  });
});

describe('maxQueuedEvents', () => {
  it('drops the oldest, reports one overflow per burst, and sends the newest', async () => {
    const server = await localServer();
    const { sl, errors } = client(server.url, { maxQueuedEvents: 5 });
    for (let i = 0; i < 8; i++) sl.track({ source: 'shop', name: 'x', value: i });
    await sl.flush();
    expect(server.received.flatMap((r) => r.events.map((e) => e.value))).toEqual([3, 4, 5, 6, 7]);
    expect(errors.map((e) => e.code)).toEqual(['queue_overflow']);
    expect(errors[0]!.message).toContain('3 queued event(s) dropped');
  });

  it('rejects a flush whose events were dropped', async () => {
    // The first batch hangs until released, so later events pile up behind it.
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    const server = await localServer((_n, events) => ok(events.length));
    const slowFetch: SightlineOptions['fetch'] = async (input, init) => {
      await held;
      return fetch(input, init);
    };
    const { sl } = client(server.url, { maxQueuedEvents: 2, batchSize: 1, fetch: slowFetch });
    sl.track({ source: 'shop', name: 'in-flight' });
    sl.track({ source: 'shop', name: 'queued' });
    const flushed = sl.flush();
    sl.track({ source: 'shop', name: 'pushes-out-1' });
    sl.track({ source: 'shop', name: 'pushes-out-2' });
    release();
    await expect(flushed).rejects.toMatchObject({ code: 'queue_overflow' });
  });
});

describe('close', () => {
  it('sends what is queued and refuses later events', async () => {
    const server = await localServer();
    const { sl, errors } = client(server.url);
    sl.track({ source: 'shop', name: 'last' });
    await sl.close();
    expect(server.received.map((r) => r.events.length)).toEqual([1]);
    sl.track({ source: 'shop', name: 'too-late' });
    expect(errors.map((e) => e.code)).toEqual(['closed']);
  });
});
