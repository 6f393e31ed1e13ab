import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './support/harness.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => t.close());

const put = (name: string, payload: unknown) => t.inject({ method: 'PUT', url: `/v1/metrics/${name}`, payload: payload as object });

describe('metric catalog', () => {
  it('ships the metrics of every pack', async () => {
    const res = await t.inject('/v1/metrics');
    expect(res.statusCode).toBe(200);
    const names = res.json().metrics.map((m: { name: string }) => m.name);
    for (const name of ['revenue', 'orders', 'aov', 'conversion_rate', 'cac', 'tasks_created', 'tasks_completed', 'completion_rate', 'overdue_tasks', 'productivity_score', 'predictions', 'latency_p95', 'accuracy', 'cost_per_1k', 'cpu_p95', 'memory_p95', 'error_rate', 'request_latency_p95']) {
      expect(names).toContain(name);
    }
  });

  it('creates (201), reads, replaces (200) and deletes (204) a metric', async () => {
    const created = await put('big_orders', { description: 'Orders over 100', fn: 'count', where: [{ field: 'name', op: 'eq', value: 'order_completed' }, { field: 'value', op: 'gt', value: 100 }] });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ name: 'big_orders', fn: 'count' });
    expect((await t.inject('/v1/metrics/big_orders')).json()).toMatchObject({ name: 'big_orders', description: 'Orders over 100' });
    const replaced = await put('big_orders', { fn: 'sum', where: { name: 'order_completed' } });
    expect(replaced.statusCode).toBe(200);
    expect((await t.inject('/v1/metrics/big_orders')).json()).toMatchObject({ fn: 'sum' });
    expect((await t.inject({ method: 'DELETE', url: '/v1/metrics/big_orders' })).statusCode).toBe(204);
    expect((await t.inject('/v1/metrics/big_orders')).statusCode).toBe(404);
    expect((await t.inject({ method: 'DELETE', url: '/v1/metrics/big_orders' })).statusCode).toBe(404);
  });

  it('refuses an invalid definition with 422 and the path of the problem', async () => {
    const bad = await put('broken', { fn: 'median' });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'invalid_metric' });
    expect(bad.json().errors.map((e: { path: string }) => e.path)).toContain('/fn');
    const unknownRef = await put('ratio_x', { formula: 'revenue / nothing_here' });
    expect(unknownRef.statusCode).toBe(422);
    const mismatch = await put('one_name', { name: 'other_name', fn: 'count' });
    expect(mismatch.json().errors).toEqual([{ path: '/name', message: expect.stringContaining('one_name') }]);
    expect((await put('Bad-Name', { fn: 'count' })).statusCode).toBe(422);
  });

  it('refuses a formula cycle', async () => {
    expect((await put('cyc_a', { fn: 'count' })).statusCode).toBe(201);
    expect((await put('cyc_b', { formula: 'cyc_a * 2' })).statusCode).toBe(201);
    const cycle = await put('cyc_a', { formula: 'cyc_b + 1' });
    expect(cycle.statusCode).toBe(422);
    expect((await t.inject('/v1/metrics/cyc_a')).json()).toMatchObject({ fn: 'count' });
  });

  it('refuses (409) to delete a metric another formula uses', async () => {
    expect((await put('base_m', { fn: 'count' })).statusCode).toBe(201);
    expect((await put('derived_m', { formula: 'base_m / 2' })).statusCode).toBe(201);
    const res = await t.inject({ method: 'DELETE', url: '/v1/metrics/base_m' });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'conflict', detail: expect.stringContaining('derived_m') });
  });

  it('lets a query name a metric instead of spelling the measure', async () => {
    const ingest = await t.inject({
      method: 'POST',
      url: '/v1/events',
      payload: [
        { source: 'cat', name: 'order_completed', value: 10, actor: 'a', ts: '2026-01-05T10:00:00Z' },
        { source: 'cat', name: 'order_completed', value: 30, actor: 'b', ts: '2026-01-05T11:00:00Z' },
        { source: 'cat', name: 'session_start', actor: 'c', ts: '2026-01-05T09:00:00Z' },
      ],
    });
    expect(ingest.statusCode).toBe(200);
    const res = await t.inject({
      method: 'POST',
      url: '/v1/query',
      payload: { source: 'cat', measures: ['revenue', 'orders', 'aov'], range: { from: '2026-01-05T00:00:00Z', to: '2026-01-06T00:00:00Z' } },
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.columns.map((c: { name: string }) => c.name)).toEqual(['revenue', 'orders', 'aov']);
    expect(body.rows).toEqual([[40, 2, 20]]);
  });
});
