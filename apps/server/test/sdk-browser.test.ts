import { randomUUID } from 'node:crypto';
import type net from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Query } from '@sightline/sdk';
import { browserAvailable, browserPackages, launchChromium, startStaticServer, watchPage, type ChromiumSession, type PageWatch, type StaticServer } from './support/browser.js';
import { startTestApp, type TestApp } from './support/harness.js';

// The SDK (@sightline/sdk, built to dist) in a real browser against the real server: Debian's
// headless Chromium, driven by playwright-core, loads a page from a static server on another
// origin. The page imports the SDK's ESM files (and @sightline/protocol's and typebox's) through an
// import map — no bundler — and uses the browser's own fetch and WebSocket. A second page, from an
// origin the server does not list in corsOrigins, must get nothing: no live socket, no fetch.
// Needs /usr/bin/chromium: skipped without it, unless SIGHTLINE_TEST_REQUIRE names `browser`
// (CI does), in which case the file fails.

const run = browserAvailable();

/** What the page keeps of what the SDK told it (see the page's script below). */
interface PageState {
  statuses: string[];
  subscribed: string[];
  results: { columns: unknown[]; rows: unknown[][]; via: string }[];
  tail: { id: string; source: string; name: string; value: number | null }[];
  errors: { code?: string; status?: number; message: string }[];
}
type Outcome<T> = { ok: true; value: T } | { ok: false; error: { code?: string; status?: number; message: string } };
interface Harness {
  state: PageState;
  start(url: string, apiKey: string, options?: object): string;
  subscribe(source: string, query: object): void;
  track(events: object[]): void;
  flush(): Promise<Outcome<{ accepted: number; duplicates: number }>>;
  query(query: object): Promise<Outcome<{ columns: unknown[]; rows: unknown[][] }>>;
  close(): Promise<void>;
}
/** The page's globals, as seen from functions that page.evaluate runs there. */
type PageGlobals = { harness?: Harness };

// The page: a plain ES module using the SDK as an app would. The test reaches it through
// window.harness (page.evaluate): the API key is handed over that way, never in a URL.
const PAGE_SCRIPT = `
import { Sightline, SightlineError } from '@sightline/sdk';

const state = { statuses: [], subscribed: [], results: [], tail: [], errors: [] };
const describe = (e) => e instanceof SightlineError ? { code: e.code, status: e.status, message: e.message } : { message: String(e && e.message || e) };
const settle = (promise) => promise.then((value) => ({ ok: true, value }), (e) => ({ ok: false, error: describe(e) }));
let sl;

window.harness = {
  state,
  start(url, apiKey, options = {}) {
    sl = new Sightline({ url, apiKey, onError: (e) => state.errors.push(describe(e)), ...options });
    sl.live.onStatus((s) => state.statuses.push(s));
    return sl.live.status;
  },
  subscribe(source, query) {
    const onSubscribed = (topic) => state.subscribed.push(topic);
    const onError = (e) => state.errors.push(describe(e));
    sl.live.subscribe({ query }, (data, update) => state.results.push({ columns: data.columns, rows: data.rows, via: update.via }), { onSubscribed, onError });
    sl.live.subscribe('events:' + source, (events) => {
      for (const e of events) state.tail.push({ id: e.id, source: e.source, name: e.name, value: e.value });
    }, { onSubscribed, onError });
  },
  track(events) {
    for (const e of events) sl.track(e);
  },
  flush: () => settle(sl.flush()),
  query: (q) => settle(sl.query(q)),
  close: () => sl.close(),
};
document.body.dataset.ready = 'yes';
`;

const countQuery = (source: string): Query => ({ source, measures: [{ as: 'n', fn: 'count' }], range: { last: '1h' } });
const countOf = (result: { rows: unknown[][] }): number => Number(result.rows[0]![0]);

async function waitUntil(predicate: () => boolean, what: () => string, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`not reached within ${timeoutMs} ms: ${what()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe.skipIf(!run)('the SDK in headless Chromium against a live server', () => {
  let t: TestApp;
  let serverUrl: string;
  let apiKey: string;
  let site: StaticServer;
  let foreign: StaticServer;
  let chromium: ChromiumSession;
  let page: Page;
  let watch: PageWatch;
  const watches = new Map<Page, PageWatch>();

  /** The page's state, read in the page. */
  const stateOf = (p: Page) => p.evaluate(() => (globalThis as unknown as PageGlobals).harness!.state);

  /** Waits in the page for `predicate(state, arg)`; on timeout the error shows the page's state. */
  async function waitInPage<A>(p: Page, predicate: (state: PageState, arg: A) => boolean, arg: A, what: string, timeoutMs = 15_000): Promise<void> {
    // An expression (a string is evaluated, not called): the predicate applied to the state and `arg`.
    const expression = `(${predicate.toString()})(globalThis.harness.state, ${JSON.stringify(arg)})`;
    try {
      await p.waitForFunction(expression, undefined, { timeout: timeoutMs, polling: 25 });
    } catch (err) {
      const seen = watches.get(p);
      throw new Error(
        `${what}: not reached within ${timeoutMs} ms (${(err as Error).message.split('\n')[0]}); ` +
          `page state ${JSON.stringify(await stateOf(p).catch(() => 'unreadable'))}; sockets ${JSON.stringify(seen?.sockets)}; console ${JSON.stringify(seen?.console)}`,
      );
    }
  }

  /** POST to the server from Node, over HTTP, as the API key. */
  async function post<T>(route: string, body: unknown): Promise<T> {
    const res = await fetch(serverUrl + route, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST ${route}: ${res.status} ${text}`);
    return JSON.parse(text) as T;
  }
  const nodeQuery = (q: Query) => post<{ columns: unknown[]; rows: unknown[][] }>('/v1/query', q);

  async function openPage(origin: string): Promise<{ page: Page; watch: PageWatch }> {
    const p = await chromium.context.newPage();
    const w = watchPage(p);
    watches.set(p, w);
    await p.goto(`${origin}/`);
    await p.waitForSelector('body[data-ready="yes"]', { state: 'attached', timeout: 15_000 });
    return { page: p, watch: w };
  }

  beforeAll(async () => {
    const { importMap, packages } = browserPackages(['@sightline/sdk', '@sightline/protocol', 'typebox']);
    const html = [
      '<!doctype html>',
      '<html><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Sightline SDK</title>',
      `<script type="importmap">${JSON.stringify(importMap)}</script>`,
      `<script type="module">${PAGE_SCRIPT}</script>`,
      '</head><body></body></html>',
    ].join('\n');
    site = await startStaticServer({ pages: { '/': html }, packages });
    foreign = await startStaticServer({ pages: { '/': html }, packages });

    t = await startTestApp({ config: { corsOrigins: [site.origin] } });
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    serverUrl = `http://127.0.0.1:${(t.app.server.address() as net.AddressInfo).port}`;
    const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'browser', scopes: ['ingest', 'read'], sources: ['*'] } });
    expect(res.statusCode).toBe(201);
    apiKey = (res.json() as { key: string }).key;

    chromium = await launchChromium();
    ({ page, watch } = await openPage(site.origin));
  });

  afterAll(async () => {
    await page?.evaluate(() => (globalThis as unknown as PageGlobals).harness?.close()).catch(() => undefined);
    await chromium?.close();
    await t?.close();
    await site?.close();
    await foreign?.close();
  });

  it('goes live over the browser’s own WebSocket, with the key never in a URL', async () => {
    const initial = await page.evaluate(([url, key]) => (globalThis as unknown as PageGlobals).harness!.start(url, key), [serverUrl, apiKey] as const);
    expect(initial).toBe('offline');
    await page.evaluate(([source, q]) => (globalThis as unknown as PageGlobals).harness!.subscribe(source, q), ['browser_live', countQuery('browser_live')] as const);
    await waitInPage(page, (s) => s.statuses.includes('live'), null, 'live.status becomes live');
    await waitInPage(page, (s) => s.subscribed.length === 2 && s.results.length >= 1, null, 'both subscriptions confirmed and a first result');

    const state = await stateOf(page);
    expect(state.statuses).toEqual(['connecting', 'live']);
    expect(state.subscribed).toContain('events:browser_live');
    expect(state.subscribed.find((topic) => topic.startsWith('query:'))).toBeDefined();
    expect(state.results[0]!.via).toBe('live');
    // Chromium itself opened the socket (the SDK took the global WebSocket, not a polyfill).
    expect(watch.sockets.map((s) => s.url)).toEqual([`${serverUrl.replace('http:', 'ws:')}/v1/live`]);
    expect(watch.sockets[0]!.errors).toEqual([]);
    expect(watch.requests.filter((u) => u.includes(apiKey))).toEqual([]);
    expect(state.errors).toEqual([]);
    expect(watch.errors).toEqual([]);
  });

  it('an event ingested from Node reaches the page’s tail and changes its live query result', async () => {
    const before = countOf((await stateOf(page)).results.at(-1)!);
    const name = `from_node_${randomUUID().slice(0, 8)}`;
    const ingested = await post<{ accepted: number }>('/v1/events', [{ source: 'browser_live', name, value: 7 }]);
    expect(ingested.accepted).toBe(1);

    await waitInPage(page, (s, n) => s.tail.some((e) => e.name === n), name, 'the event in the page’s events: tail');
    const tailed = (await stateOf(page)).tail.filter((e) => e.name === name);
    expect(tailed).toEqual([{ id: expect.any(String), source: 'browser_live', name, value: 7 }]);

    // The reference is what the server answers Node now, not a number copied into the test.
    const reference = await nodeQuery(countQuery('browser_live'));
    expect(countOf(reference)).toBeGreaterThan(before);
    await waitInPage(page, (s, n) => s.results.length > 0 && Number(s.results[s.results.length - 1]!.rows[0]![0]) === n, countOf(reference), 'the live result equals the server’s answer');
    const latest = (await stateOf(page)).results.at(-1)!;
    expect(latest.columns).toEqual(reference.columns);
    expect(latest.rows).toEqual(reference.rows);
    expect(latest.via).toBe('live');
    expect((await stateOf(page)).statuses.at(-1)).toBe('live');
    expect(watch.errors).toEqual([]);
  });

  it('stores the events tracked in the page, and its query() answers what the server answers Node', async () => {
    const tracked = Array.from({ length: 7 }, (_, i) => ({ source: 'browser_tracked', name: i % 2 === 0 ? 'click' : 'view', value: i + 1, props: { i } }));
    await page.evaluate((events) => (globalThis as unknown as PageGlobals).harness!.track(events), tracked);
    const flushed = await page.evaluate(() => (globalThis as unknown as PageGlobals).harness!.flush());
    expect(flushed).toEqual({ ok: true, value: { accepted: tracked.length, duplicates: 0 } });

    expect(countOf(await nodeQuery(countQuery('browser_tracked')))).toBe(tracked.length);

    const q: Query = { source: 'browser_tracked', measures: [{ as: 'n', fn: 'count' }, { as: 'total', fn: 'sum' }], dimensions: ['name'], range: { last: '1h' } };
    const reference = await nodeQuery(q);
    const answer = await page.evaluate((query) => (globalThis as unknown as PageGlobals).harness!.query(query), q);
    expect(answer.ok).toBe(true);
    if (!answer.ok) return;
    expect(answer.value.columns).toEqual(reference.columns);
    expect(answer.value.rows).toEqual(reference.rows);
    expect(reference.rows.length).toBe(2);

    const state = await stateOf(page);
    expect(state.errors).toEqual([]);
    expect(watch.requests.filter((u) => u.includes(apiKey))).toEqual([]);
    expect(watch.errors).toEqual([]);
  });

  it('a page from an origin not in corsOrigins gets no live socket (403) and no fetch (CORS)', async () => {
    expect(foreign.origin).not.toBe(site.origin);
    const { page: other, watch: otherWatch } = await openPage(foreign.origin);
    try {
      await other.evaluate(
        ([url, key]) => (globalThis as unknown as PageGlobals).harness!.start(url, key, { retry: { retries: 0 }, reconnect: { baseMs: 50, maxMs: 200 }, pollIntervalMs: 200 }),
        [serverUrl, apiKey] as const,
      );
      await other.evaluate(([source, q]) => (globalThis as unknown as PageGlobals).harness!.subscribe(source, q), ['browser_blocked', countQuery('browser_blocked')] as const);

      // Several upgrade attempts, each answered 403 by the server (as Chromium reports it).
      await waitUntil(
        () => otherWatch.sockets.filter((s) => s.errors.length > 0).length >= 3,
        () => `three refused upgrades; sockets ${JSON.stringify(otherWatch.sockets)}`,
      );
      for (const socket of otherWatch.sockets.filter((s) => s.errors.length > 0)) {
        expect(socket.url).toBe(`${serverUrl.replace('http:', 'ws:')}/v1/live`);
        expect(socket.errors.join(' ')).toMatch(/Unexpected response code: 403/);
      }

      // Its fetches are blocked by the browser: no CORS answer for this origin.
      const answer = await other.evaluate((q) => (globalThis as unknown as PageGlobals).harness!.query(q), countQuery('browser_tracked'));
      expect(answer).toMatchObject({ ok: false, error: { code: 'network_error', status: 0 } });
      await other.evaluate(() => (globalThis as unknown as PageGlobals).harness!.track([{ source: 'browser_blocked', name: 'never_stored' }]));
      const flushed = await other.evaluate(() => (globalThis as unknown as PageGlobals).harness!.flush());
      expect(flushed).toMatchObject({ ok: false, error: { code: 'network_error', status: 0 } });
      const blocked = (route: string) => otherWatch.errors.some((e) => e.includes(`${serverUrl}${route}`) && e.includes(`from origin '${foreign.origin}' has been blocked by CORS policy`));
      expect(blocked('/v1/query'), otherWatch.errors.join('\n')).toBe(true);
      expect(blocked('/v1/events'), otherWatch.errors.join('\n')).toBe(true);
      expect(countOf(await nodeQuery(countQuery('browser_blocked')))).toBe(0);

      const state = await stateOf(other);
      expect(state.statuses.length).toBeGreaterThan(0);
      expect(state.statuses).not.toContain('live');
      expect(state.subscribed).toEqual([]);
      expect(state.results).toEqual([]);
    } finally {
      await other.evaluate(() => (globalThis as unknown as PageGlobals).harness?.close()).catch(() => undefined);
      await other.close();
    }
    // The allowed page was not disturbed.
    expect((await stateOf(page)).statuses.at(-1)).toBe('live');
    expect(watch.errors).toEqual([]);
  });
});
