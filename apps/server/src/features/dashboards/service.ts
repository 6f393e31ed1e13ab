import { randomBytes } from 'node:crypto';
import { DASHBOARD_LIMITS, type Dashboard, type DashboardBody, type DashboardData, type DashboardPanel, type DashboardSummary, type Filter, type Query } from '@sightline/protocol';
import type { FastifyBaseLogger } from 'fastify';
import { AppError } from '../../errors.js';
import type { DashboardStore, StoredDashboard } from '../../store/types.js';
import type { Access } from '../auth/permissions.js';
import type { KpiService } from '../catalog/kpis.js';
import type { QueryService } from '../query/service.js';
import { applyView, type DashboardView } from './view.js';

export interface DashboardService {
  list(access: Access): Promise<DashboardSummary[]>;
  get(id: string, access: Access): Promise<Dashboard>;
  create(body: DashboardBody, access: Access, createdBy: string): Promise<Dashboard>;
  replace(id: string, body: DashboardBody, access: Access): Promise<Dashboard>;
  remove(id: string): Promise<void>;
  /** Every panel's answer under the dashboard's view (or `overrides`), each panel failing on its own. */
  data(id: string, overrides: DashboardView, access: Access): Promise<DashboardData>;
}

/**
 * Dashboards: the built-in ones of the packs (code, read-only, shown to whoever may read their
 * source) and the stored ones. Panel queries are checked by the query engine when a dashboard is
 * saved, so a saved dashboard never holds a query that cannot run.
 */
export function createDashboardService(deps: {
  store: DashboardStore;
  builtin: readonly Dashboard[];
  query: QueryService;
  kpis: KpiService;
  clock: () => number;
  log: FastifyBaseLogger;
}): DashboardService {
  const { store, query, clock, log } = deps;
  const builtin = new Map(deps.builtin.map((d) => [d.id, d]));
  const visible = (d: Dashboard, access: Access) => d.pack === undefined || d.panels.every((p) => sourcesOf(p.query).every((s) => access.canRead(s)));

  const find = async (id: string, access: Access): Promise<Dashboard> => {
    const fixed = builtin.get(id);
    if (fixed && visible(fixed, access)) return fixed;
    const stored = fixed ? undefined : await store.get(id);
    if (!stored) throw new AppError('not_found', { detail: `No dashboard with id "${id}"` });
    return fromStored(stored);
  };

  const check = async (body: DashboardBody, access: Access): Promise<void> => {
    const errors: { path: string; message: string }[] = [];
    const seen = new Set<string>();
    body.panels.forEach((panel, i) => {
      if (seen.has(panel.id)) errors.push({ path: `/panels/${i}/id`, message: `repeats the id "${panel.id}"` });
      seen.add(panel.id);
      if (panel.layout.x + panel.layout.w > DASHBOARD_LIMITS.columns) errors.push({ path: `/panels/${i}/layout/w`, message: `x + w must be at most ${DASHBOARD_LIMITS.columns}` });
    });
    const kpiNames = new Set((await deps.kpis.list()).map((k) => k.name));
    for (const [i, panel] of body.panels.entries()) {
      if (panel.options?.kpi !== undefined && !kpiNames.has(panel.options.kpi)) errors.push({ path: `/panels/${i}/options/kpi`, message: `is not a KPI ("${panel.options.kpi}")` });
      errors.push(...(await queryErrors(panel.query, `/panels/${i}/query`, access)));
    }
    // The dashboard's own range, zone and filters are checked as parts of a query would be.
    const { range, timezone, filters } = body;
    if (range !== undefined || timezone !== undefined || filters !== undefined) {
      const probe = { source: 'dashboard_check', measures: [{ as: 'n', fn: 'count' }], ...(range ? { range } : {}), ...(timezone ? { timezone } : {}), ...(filters ? { filters } : {}) };
      errors.push(...(await queryErrors(probe, '', access)));
    }
    if (errors.length > 0) throw new AppError('invalid_dashboard', { errors });
  };

  const queryErrors = async (body: unknown, prefix: string, access: Access) => {
    try {
      await query.scope(body, access);
      return [];
    } catch (error) {
      if (error instanceof AppError && error.code === 'forbidden') throw new AppError('forbidden', { detail: 'A panel reads sources you may not read', errors: error.options.errors?.map((e) => ({ path: `${prefix}${e.path}`, message: e.message })) });
      if (error instanceof AppError && error.code === 'invalid_query') return (error.options.errors ?? []).map((e) => ({ path: `${prefix}${e.path}`, message: e.message }));
      throw error;
    }
  };

  return {
    async list(access) {
      const fixed = [...builtin.values()].filter((d) => visible(d, access)).map(summaryOf);
      return [...fixed, ...(await store.list()).map((s) => summaryOf(fromStored(s)))];
    },
    get: find,
    async create(body, access, createdBy) {
      await check(body, access);
      const now = clock();
      const stored: StoredDashboard = { id: newId(), title: body.title, body: bodyOf(body), createdBy, createdAt: now, updatedAt: now };
      await store.insert(stored);
      return fromStored(stored);
    },
    async replace(id, body, access) {
      if (builtin.has(id)) throw new AppError('forbidden', { detail: 'Built-in dashboards are read-only: duplicate one to change it' });
      const current = await store.get(id);
      if (!current) throw new AppError('not_found', { detail: `No dashboard with id "${id}"` });
      await check(body, access);
      const now = clock();
      if (!(await store.update(id, body.title, bodyOf(body), now))) throw new AppError('not_found', { detail: `No dashboard with id "${id}"` });
      return fromStored({ ...current, title: body.title, body: bodyOf(body), updatedAt: now });
    },
    async remove(id) {
      if (builtin.has(id)) throw new AppError('forbidden', { detail: 'Built-in dashboards cannot be deleted' });
      if (!(await store.delete(id))) throw new AppError('not_found', { detail: `No dashboard with id "${id}"` });
    },
    async data(id, overrides, access) {
      const dashboard = await find(id, access);
      // Overrides are checked once, as parts of a query, rather than failing every panel alike.
      if (overrides.range !== undefined || overrides.timezone !== undefined || overrides.filters !== undefined) {
        const probe = { source: 'dashboard_check', measures: [{ as: 'n', fn: 'count' }], ...overrides };
        const errors = await queryErrors(probe, '/querystring', access);
        if (errors.length > 0) throw new AppError('invalid_request', { detail: 'The dashboard view is not valid', errors: errors.map((e) => ({ ...e, path: e.path.replace(/^\/querystring\/range\/(from|to|last)$/, '/querystring/range') })) });
      }
      const view: DashboardView = {
        range: overrides.range ?? dashboard.range,
        timezone: overrides.timezone ?? dashboard.timezone,
        filters: overrides.filters ?? dashboard.filters,
      };
      const entries = await Promise.all(
        dashboard.panels.map(async (panel) => {
          try {
            return [panel.id, await query.run(applyView(panel.query as unknown as Record<string, unknown>, view), access)] as const;
          } catch (error) {
            if (error instanceof AppError) {
              return [panel.id, { error: { code: error.code, title: error.message, status: error.status, ...(error.options.errors ? { errors: error.options.errors } : {}) } }] as const;
            }
            log.error({ err: error, dashboard: id, panel: panel.id }, 'dashboard panel query failed');
            return [panel.id, { error: { code: 'internal', title: 'Internal error', status: 500 } }] as const;
          }
        }),
      );
      return { panels: Object.fromEntries(entries) };
    },
  };
}

/** 12 random base-36 characters: ~62 bits, unguessable enough for ids that are not secrets. */
function newId(): string {
  return [...randomBytes(12)].map((b) => (b % 36).toString(36)).join('');
}

function bodyOf(body: DashboardBody): Record<string, unknown> {
  const { title: _title, ...rest } = body;
  return rest;
}

function fromStored(stored: StoredDashboard): Dashboard {
  const body = stored.body as Omit<DashboardBody, 'title'>;
  return {
    id: stored.id,
    title: stored.title,
    ...(body.description !== undefined ? { description: body.description } : {}),
    panels: body.panels as unknown as DashboardPanel[],
    theme: body.theme ?? 'system',
    live: body.live ?? true,
    ...(body.range !== undefined ? { range: body.range } : {}),
    ...(body.timezone !== undefined ? { timezone: body.timezone } : {}),
    ...(body.filters !== undefined ? { filters: body.filters as Filter[] } : {}),
    builtin: false,
    created_by: stored.createdBy,
    created_at: new Date(stored.createdAt).toISOString(),
    updated_at: new Date(stored.updatedAt).toISOString(),
  };
}

function summaryOf(d: Dashboard): DashboardSummary {
  return {
    id: d.id,
    title: d.title,
    ...(d.description !== undefined ? { description: d.description } : {}),
    ...(d.pack !== undefined ? { pack: d.pack } : {}),
    builtin: d.builtin,
    panels: d.panels.length,
    updated_at: d.updated_at,
  };
}

function sourcesOf(query: Query): string[] {
  return typeof query.source === 'string' ? [query.source] : query.source;
}
