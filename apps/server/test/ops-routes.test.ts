import { rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { openStores } from '../src/store/open.js';
import { ADMIN, makeDataDir, startTestApp } from './support/harness.js';

describe('operations routes', () => {
  it('GET /health and /ready answer 200; /metrics counts requests and events', async () => {
    const t = await startTestApp();
    try {
      expect((await t.inject('/health')).json()).toEqual({ status: 'ok' });
      const ready = await t.inject('/ready');
      expect(ready.statusCode).toBe(200);
      // Each dependency's state; without SIGHTLINE_REDIS_URL Redis is off (redis-faults.test.ts covers up/down).
      expect(ready.json()).toEqual({ status: 'ready', checks: { database: 'up', redis: 'off' } });
      await t.inject({ method: 'POST', url: '/v1/events', payload: [{ source: 'm', name: 'x' }, { source: 'm', name: 'y' }] });
      await t.inject({ method: 'POST', url: '/v1/events', payload: [{ source: 'm' }] });
      // Where answers come from: rollups (a count over whole days), the cache (the same again), raw events (distinct actors).
      const days = { source: 'm', measures: [{ as: 'n', fn: 'count' }], range: { from: '2026-01-01T00:00:00Z', to: '2026-01-03T00:00:00Z' } };
      for (const payload of [days, days, { ...days, measures: [{ as: 'u', fn: 'uniq' }] }]) {
        expect((await t.inject({ method: 'POST', url: '/v1/query', payload })).statusCode).toBe(200);
      }
      const res = await t.inject('/metrics');
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toMatch(/^sightline_events_ingested_total 2$/m);
      expect(res.body).toMatch(/^sightline_events_rejected_total 1$/m);
      expect(res.body).toMatch(/^sightline_query_answers_total\{from="rollup"\} 1$/m);
      expect(res.body).toMatch(/^sightline_query_answers_total\{from="cache"\} 1$/m);
      expect(res.body).toMatch(/^sightline_query_answers_total\{from="raw"\} 1$/m);
      expect(res.body).toMatch(/sightline_http_requests_total\{method="POST",route="\/v1\/events",status="200"\} 1/);
      expect(res.body).toMatch(/sightline_http_request_duration_seconds_bucket\{.*route="\/v1\/events"/);
      expect(res.headers['x-request-id']).toEqual(expect.any(String));
    } finally {
      await t.close();
    }
  });

  it('GET /ready answers 503 when the store is gone', async () => {
    const dataDir = makeDataDir();
    const config = loadConfig({}, { dataDir, logLevel: 'silent', adminEmail: ADMIN.email, adminPassword: ADMIN.password });
    const stores = await openStores(config);
    const app = await buildApp(config, { stores });
    const login = await app.inject({ method: 'POST', url: '/v1/auth/login', payload: ADMIN });
    const authorization = `Bearer ${login.json().access_token}`;
    await stores.close();
    const res = await app.inject('/ready');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'not_ready', status: 503 });
    // A fault of ours answers 500 without the error's message, a stack, SQL or a value.
    const ingest = await app.inject({ method: 'POST', url: '/v1/events', headers: { authorization }, payload: [{ source: 's', name: 'secret-name', props: { card: '4111' } }] });
    expect(ingest.statusCode).toBe(500);
    expect(ingest.json()).toEqual({ type: 'urn:sightline:problem:internal', title: 'Internal error', status: 500, code: 'internal' });
    expect(ingest.body).not.toMatch(/closed|secret-name|4111|at |SELECT|INSERT/);
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers unknown routes with a problem+json 404', async () => {
    const t = await startTestApp();
    try {
      const res = await t.inject('/v1/nothing-here');
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ code: 'not_found', status: 404 });
    } finally {
      await t.close();
    }
  });
});
