import type net from 'node:net';
import { expect } from 'vitest';
import { Sightline, type EventInput, type Query, type SightlineError, type TrendQuery, type SightlineOptions } from '@sightline/sdk';
import type { Config } from '../../src/config.js';
import { startFaultProxy, type FaultProxy, type SeenRequest } from './fault-proxy.js';
import { startTestApp, type TestApp } from './harness.js';

// Shared by the tests of the SDK (@sightline/sdk, built to dist) against the real server, through
// the fault proxy: sdk.test.ts, sdk-ingest.test.ts, sdk-live.test.ts.

/** Polls `predicate` (sync or async) until it holds; fails after `timeoutMs` naming `what`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000, what: string | (() => string) = 'condition'): Promise<void> {
  const start = Date.now();
  while (!(await predicate())) {
    if (Date.now() - start > timeoutMs) throw new Error(`waitFor: ${typeof what === 'string' ? what : what()} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export const countQuery = (source: string): TrendQuery => ({ source, measures: [{ as: 'n', fn: 'count' }], range: { last: '1d' } });

/** The number the count query answers, read off a result's single row. */
export const countOf = (result: { rows: unknown[][] }): number => Number(result.rows[0]![0]);

/** The events of an ingest request the proxy saw, read off its recorded body. */
export function eventsOf(request: SeenRequest): EventInput[] {
  expect(request.body, `the body of ${request.method} ${request.path}`).toBeDefined();
  return (JSON.parse(request.body!) as { events: EventInput[] }).events;
}

export const isEventPost = (r: SeenRequest): boolean => r.method === 'POST' && r.path === '/v1/events';

/** A real server listening on a free port, a fault proxy in front of it, and an ingest+read key. */
export interface SdkServer {
  t: TestApp;
  proxy: FaultProxy;
  /** An API key with the ingest and read scopes on every source. */
  key: string;
  /** POST /v1/events requests the proxy saw, from request number `from` on. */
  eventPosts(from?: number): SeenRequest[];
  /** The stored count of `source`, straight from the server (admin, no SDK, no proxy). */
  storedCount(source: string): Promise<number>;
  /** Stored events of `source` by name, straight from the server. */
  storedNames(source: string): Promise<Record<string, number>>;
  createKey(scopes: string[], sources: string[]): Promise<{ id: string; key: string }>;
  revokeKey(id: string): Promise<void>;
  close(): Promise<void>;
}

export async function startSdkServer(config: Partial<Config> = {}): Promise<SdkServer> {
  const t = await startTestApp({ config });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = t.app.server.address() as net.AddressInfo;
  const proxy = await startFaultProxy({ host: '127.0.0.1', port });
  const createKey = async (scopes: string[], sources: string[]) => {
    const res = await t.inject({ method: 'POST', url: '/v1/keys', payload: { name: 'sdk-test', scopes, sources } });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; key: string };
  };
  const query = async (q: Query) => {
    const res = await t.inject({ method: 'POST', url: '/v1/query', payload: q as object });
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as { columns: { name: string }[]; rows: unknown[][] };
  };
  const { key } = await createKey(['ingest', 'read'], ['*']);
  return {
    t,
    proxy,
    key,
    eventPosts: (from = 0) => proxy.requests.slice(from).filter(isEventPost),
    storedCount: async (source) => countOf(await query(countQuery(source))),
    async storedNames(source) {
      const result = await query({ ...countQuery(source), dimensions: ['name'] });
      const name = result.columns.findIndex((c) => c.name === 'name');
      const n = result.columns.findIndex((c) => c.name === 'n');
      return Object.fromEntries(result.rows.map((row) => [String(row[name]), Number(row[n])]));
    },
    createKey,
    async revokeKey(id) {
      const res = await t.inject({ method: 'DELETE', url: `/v1/keys/${id}` });
      expect(res.statusCode, res.body).toBe(204);
    },
    async close() {
      await proxy.close();
      await t.close();
    },
  };
}

const openClients: Sightline[] = [];

/**
 * A client of `server` through its proxy, with its key (unless `options` say otherwise) and an
 * `onError` that collects; closed by `closeClients()`.
 */
export function sdkClient(server: SdkServer, options: Partial<SightlineOptions> = {}): { sl: Sightline; errors: SightlineError[] } {
  const errors: SightlineError[] = [];
  const sl = new Sightline({ url: server.proxy.url, apiKey: server.key, onError: (e) => errors.push(e), ...options });
  openClients.push(sl);
  return { sl, errors };
}

/** Closes every client `sdkClient` made (for an afterEach). */
export async function closeClients(): Promise<void> {
  await Promise.all(openClients.splice(0).map((c) => c.close().catch(() => undefined)));
}
