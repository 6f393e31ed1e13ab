/**
 * Dashboards and KPIs through the API: the packs' built-in dashboards on demo data (every panel's
 * answer equal to POST /v1/query's for the same query), stored dashboards' whole life, validation
 * with the path of every problem, read-only built-ins, roles, and the view overrides of /data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoBatches } from '../src/features/packs/index.js';
import { startTestApp, type TestApp } from './support/harness.js';

const NOW = Date.parse('2026-06-15T12:00:00Z');
let t: TestApp;
let viewer: string;
let editor: string;

beforeAll(async () => {
  t = await startTestApp({ now: NOW });
  for (const batch of generateDemoBatches({ events: 40_000, days: 70, seed: 3, now: NOW })) await t.app.ingest.ingest(batch);
  viewer = await userWithRole('viewer');
  editor = await userWithRole('editor');
});
afterAll(async () => t.close());

const userWithRole = (role: string) => t.userToken(role);

interface Panel {
  id: string;
  title: string;
  chart: string;
  query: Record<string, unknown>;
  layout: { x: number; y: number; w: number; h: number };
  options?: Record<string, unknown>;
}

const panel = (id: string, query: Record<string, unknown>, extra: Partial<Panel> = {}): Panel => ({
  id,
  title: `Panel ${id}`,
  chart: 'line',
  query,
  layout: { x: 0, y: 0, w: 6, h: 4 },
  ...extra,
});
const ordersPerDay = { source: 'shop', measures: ['orders'], interval: 'day', range: { last: '7d' } };
const create = (payload: unknown, token = t.adminToken) => t.inject({ method: 'POST', url: '/v1/dashboards', payload: payload as object }, token);
const runQuery = async (query: unknown, token = t.adminToken) => {
  const res = await t.inject({ method: 'POST', url: '/v1/query', payload: query as object }, token);
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as { columns: unknown[]; rows: unknown[][] };
};

/** The rule of docs/dashboards.md: a panel's own range stays, else the view's; the view's zone replaces the query's; its filters are added. */
function withView(query: Record<string, unknown>, view: { range?: unknown; timezone?: string; filters?: unknown[] }) {
  const q: Record<string, unknown> = { ...query };
  if (view.range && !query.range) q.range = view.range;
  if (view.timezone) q.timezone = view.timezone;
  if (view.filters?.length) q.filters = [...((query.filters as unknown[]) ?? []), ...view.filters];
  return q;
}

describe('built-in dashboards', () => {
  it('lists the four packs and answers every panel as POST /v1/query does', async () => {
    const list = await t.inject('/v1/dashboards', viewer);
    expect(list.statusCode).toBe(200);
    const builtin = list.json().dashboards.filter((d: { builtin: boolean }) => d.builtin);
    expect(builtin.map((d: { id: string }) => d.id)).toEqual(['commerce', 'tasks', 'modelhub', 'system']);
    for (const { id } of builtin) {
      const dashboard = (await t.inject(`/v1/dashboards/${id}`, viewer)).json();
      expect(dashboard.panels.length).toBeGreaterThan(5);
      const data = await t.inject(`/v1/dashboards/${id}/data`, viewer);
      expect(data.statusCode).toBe(200);
      for (const p of dashboard.panels as Panel[]) {
        const answer = data.json().panels[p.id];
        expect(answer.error, `${id}/${p.id}: ${JSON.stringify(answer.error)}`).toBeUndefined();
        const reference = await runQuery(withView(p.query, dashboard), viewer);
        expect(answer.columns, `${id}/${p.id}`).toEqual(reference.columns);
        expect(answer.rows, `${id}/${p.id}`).toEqual(reference.rows);
      }
      // Demo data reaches every panel of the pack: no built-in panel is empty.
      const empty = (dashboard.panels as Panel[]).filter((p) => data.json().panels[p.id].rows.length === 0).map((p) => p.id);
      expect(empty, id).toEqual([]);
    }
  });

  it('is read-only, even for an admin, and can be duplicated into an editable one', async () => {
    const commerce = (await t.inject('/v1/dashboards/commerce')).json();
    const put = await t.inject({ method: 'PUT', url: '/v1/dashboards/commerce', payload: { title: 'Mine', panels: [] } });
    expect(put.statusCode).toBe(403);
    expect((await t.inject({ method: 'DELETE', url: '/v1/dashboards/commerce' })).statusCode).toBe(403);
    const { id: _id, builtin: _b, pack: _p, created_at: _c, updated_at: _u, ...body } = commerce;
    const copy = await create({ ...body, title: 'Commerce (copy)' }, editor);
    expect(copy.statusCode, copy.body).toBe(201);
    expect(copy.json()).toMatchObject({ title: 'Commerce (copy)', builtin: false, panels: commerce.panels });
  });

  it('applies the range, time zone and filters of the view to every panel', async () => {
    const filters = [{ field: 'props.country', op: 'eq', value: 'de' }];
    const url = `/v1/dashboards/commerce/data?range=7d&timezone=Europe%2FBerlin&filters=${encodeURIComponent(JSON.stringify(filters))}`;
    const data = await t.inject(url, viewer);
    expect(data.statusCode, data.body).toBe(200);
    const dashboard = (await t.inject('/v1/dashboards/commerce', viewer)).json();
    for (const p of dashboard.panels as Panel[]) {
      const reference = await runQuery(withView(p.query, { range: { last: '7d' }, timezone: 'Europe/Berlin', filters }), viewer);
      expect(data.json().panels[p.id].rows, p.id).toEqual(reference.rows);
    }
    const from = new Date(NOW - 3 * 86_400_000).toISOString();
    const to = new Date(NOW).toISOString();
    const fixed = await t.inject(`/v1/dashboards/commerce/data?range=${encodeURIComponent(`${from}/${to}`)}`, viewer);
    expect(fixed.statusCode).toBe(200);
    expect(fixed.json().panels['revenue-trend'].rows).toEqual((await runQuery(withView(dashboard.panels[6].query, { range: { from, to }, timezone: 'UTC' }))).rows);
  });

  it('refuses a bad view with the path of each problem', async () => {
    const bad = await t.inject(`/v1/dashboards/commerce/data?range=forever&filters=${encodeURIComponent('[{"field":"props.x","op":"like","value":1}]')}`, viewer);
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toContain('/querystring/range');
    expect(paths).toContain('/querystring/filters/0/op');
    const notJson = await t.inject('/v1/dashboards/commerce/data?filters=%5B', viewer);
    expect(notJson.json().errors).toEqual([{ path: '/querystring/filters', message: expect.any(String) }]);
    expect((await t.inject('/v1/dashboards/nope/data', viewer)).statusCode).toBe(404);
  });
});

describe('stored dashboards', () => {
  it('are created, read, listed, replaced and deleted', async () => {
    const created = await create({ title: 'Ops', panels: [panel('orders', ordersPerDay)], live: false });
    expect(created.statusCode, created.body).toBe(201);
    const { id } = created.json();
    expect(id).toMatch(/^[a-z0-9]{12}$/);
    expect(created.json()).toMatchObject({ title: 'Ops', live: false, theme: 'system', builtin: false, panels: [{ id: 'orders', query: ordersPerDay }] });
    expect((await t.inject(`/v1/dashboards/${id}`, viewer)).json().title).toBe('Ops');
    const listed = (await t.inject('/v1/dashboards', viewer)).json().dashboards.find((d: { id: string }) => d.id === id);
    expect(listed).toMatchObject({ title: 'Ops', panels: 1, builtin: false });

    const moved = panel('orders', ordersPerDay, { layout: { x: 6, y: 2, w: 6, h: 5 }, chart: 'bar' });
    const replaced = await t.inject({ method: 'PUT', url: `/v1/dashboards/${id}`, payload: { title: 'Ops 2', panels: [moved, panel('aov', { source: 'shop', measures: ['aov'] }, { chart: 'kpi', options: { kpi: 'aov' } })] } }, editor);
    expect(replaced.statusCode, replaced.body).toBe(200);
    const again = (await t.inject(`/v1/dashboards/${id}`)).json();
    expect(again.title).toBe('Ops 2');
    expect(again.panels[0].layout).toEqual({ x: 6, y: 2, w: 6, h: 5 });
    expect(again.panels[1].options).toEqual({ kpi: 'aov' });

    const data = (await t.inject(`/v1/dashboards/${id}/data`, viewer)).json();
    expect(data.panels.aov.rows).toEqual((await runQuery({ source: 'shop', measures: ['aov'] })).rows);

    expect((await t.inject({ method: 'DELETE', url: `/v1/dashboards/${id}` }, editor)).statusCode).toBe(204);
    expect((await t.inject(`/v1/dashboards/${id}`)).statusCode).toBe(404);
    expect((await t.inject({ method: 'DELETE', url: `/v1/dashboards/${id}` })).statusCode).toBe(404);
    expect((await t.inject({ method: 'PUT', url: `/v1/dashboards/${id}`, payload: { title: 'x', panels: [] } })).statusCode).toBe(404);
  });

  it('survive a restart', async () => {
    const keep = await startTestApp({ now: NOW, keep: true });
    const id = (await keep.inject({ method: 'POST', url: '/v1/dashboards', payload: { title: 'Kept', panels: [panel('p', ordersPerDay)] } })).json().id;
    await keep.close();
    const reopened = await startTestApp({ now: NOW, dataDir: keep.dataDir });
    try {
      expect((await reopened.inject(`/v1/dashboards/${id}`)).json()).toMatchObject({ title: 'Kept', panels: [{ id: 'p' }] });
    } finally {
      await reopened.close();
    }
  });

  it('refuses invalid dashboards with the path of every problem, storing nothing', async () => {
    const before = (await t.inject('/v1/dashboards')).json().dashboards.length;
    const bad = await create({
      title: 'Bad',
      panels: [
        panel('a', ordersPerDay),
        panel('b', { source: 'shop', measures: [{ as: 'x', fn: 'median' }] }),
        panel('a', ordersPerDay, { layout: { x: 8, y: 0, w: 6, h: 3 } }),
        panel('c', ordersPerDay, { chart: 'kpi', options: { kpi: 'no_such_kpi' } }),
      ],
      filters: [{ field: 'props.x', op: 'eq' }],
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('invalid_dashboard');
    const paths = bad.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['/panels/1/query/measures/0/fn', '/panels/2/id', '/panels/2/layout/w', '/panels/3/options/kpi', '/filters/0/value']));

    const shape = await create({ title: 'Bad', panels: [{ ...panel('a', ordersPerDay), chart: 'radar' }], extra: 1 });
    expect(shape.statusCode).toBe(400);
    expect(shape.json().code).toBe('invalid_request');
    expect((await create({ title: '', panels: [] })).statusCode).toBe(400);
    expect((await create({ title: 'x', panels: [panel('bad id!', ordersPerDay)] })).statusCode).toBe(400);
    expect((await t.inject('/v1/dashboards')).json().dashboards.length).toBe(before);
  });

  it('lets a viewer read but not write, and a writer only put sources it may read in panels', async () => {
    expect((await create({ title: 'V', panels: [] }, viewer)).statusCode).toBe(403);
    const role = await t.inject({ method: 'PUT', url: '/v1/roles/shop_only', payload: { grants: [{ source: 'shop', access: 'read' }] } });
    expect(role.statusCode, role.body).toBeLessThan(300);
    const shopOnly = await userWithRole('shop_only');
    const mixed = await create({ title: 'Mixed', panels: [panel('shop', ordersPerDay), panel('tasks', { source: 'tasks', measures: ['tasks_created'] })] });
    const id = mixed.json().id;
    const data = (await t.inject(`/v1/dashboards/${id}/data`, shopOnly)).json();
    expect(data.panels.shop.rows.length).toBeGreaterThan(0);
    expect(data.panels.tasks.error).toMatchObject({ code: 'forbidden', status: 403 });
    // Built-in dashboards over a source the role may not read are not shown to it.
    const ids = (await t.inject('/v1/dashboards', shopOnly)).json().dashboards.map((d: { id: string }) => d.id);
    expect(ids).toContain('commerce');
    expect(ids).not.toContain('tasks');
    expect((await t.inject('/v1/dashboards/tasks', shopOnly)).statusCode).toBe(404);
  });
});

describe('KPIs', () => {
  it('ships the packs’ KPIs with the unit and pack of their metric', async () => {
    const kpis = (await t.inject('/v1/kpis', viewer)).json().kpis;
    const cpu = kpis.find((k: { name: string }) => k.name === 'cpu_p95');
    expect(cpu).toMatchObject({ metric: 'cpu_p95', direction: 'lower', unit: 'percent', pack: 'system' });
    expect(cpu.warning).toBeLessThan(cpu.critical);
  });

  it('are created, replaced and deleted by writers, with errors located', async () => {
    const put = (payload: unknown, token = t.adminToken) => t.inject({ method: 'PUT', url: '/v1/kpis/orders_goal', payload: payload as object }, token);
    expect((await put({ metric: 'orders', direction: 'higher', target: 100 }, viewer)).statusCode).toBe(403);
    expect((await put({ metric: 'orders', direction: 'higher', target: 100 }, editor)).statusCode).toBe(201);
    expect((await put({ metric: 'orders', direction: 'higher', target: 120, warning: 90, critical: 60 })).statusCode).toBe(200);
    expect((await t.inject('/v1/kpis/orders_goal')).json()).toMatchObject({ target: 120, warning: 90, critical: 60, unit: 'count' });
    const wrongSide = await put({ metric: 'orders', direction: 'higher', warning: 50, critical: 80 });
    expect(wrongSide.statusCode).toBe(422);
    expect(wrongSide.json().errors).toEqual([{ path: '/critical', message: expect.any(String) }]);
    const noMetric = await put({ metric: 'nothing_here', direction: 'lower' });
    expect(noMetric.json()).toMatchObject({ code: 'invalid_kpi', errors: [{ path: '/metric' }] });
    expect((await put({ metric: 'orders', direction: 'up' })).statusCode).toBe(400);
    expect((await t.inject({ method: 'DELETE', url: '/v1/kpis/orders_goal' })).statusCode).toBe(204);
    expect((await t.inject('/v1/kpis/orders_goal')).statusCode).toBe(404);
  });
});

describe('who am I', () => {
  it('lists the permissions, so that a UI shows only what may be done', async () => {
    expect((await t.inject('/v1/auth/me', viewer)).json().permissions).toEqual(expect.arrayContaining(['dashboards:read']));
    expect((await t.inject('/v1/auth/me', viewer)).json().permissions).not.toContain('dashboards:write');
    expect((await t.inject('/v1/auth/me', editor)).json().permissions).toContain('dashboards:write');
  });
});
