import { Type } from 'typebox';
import { DASHBOARD_ID_PATTERN, DashboardBody } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { DashboardService } from './service.js';
import { parseViewQuerystring, type ViewQuerystring } from './view.js';

const IdParams = Type.Object({ id: Type.String({ pattern: DASHBOARD_ID_PATTERN }) });
type IdParams = { id: string };
const DataQuerystring = Type.Object(
  {
    range: Type.Optional(Type.String({ maxLength: 100 })),
    timezone: Type.Optional(Type.String({ maxLength: 64 })),
    filters: Type.Optional(Type.String({ maxLength: 64 * 1024 })),
  },
  { additionalProperties: false },
);
const read = { permission: 'dashboards:read' } as const;
const write = { permission: 'dashboards:write' } as const;

export function registerDashboardRoutes(app: FastifyInstance, deps: { dashboards: DashboardService }): void {
  const { dashboards } = deps;
  app.get('/v1/dashboards', { config: read }, async (request) => ({ dashboards: await dashboards.list(request.principal!.access) }));
  app.post<{ Body: DashboardBody }>('/v1/dashboards', { schema: { body: DashboardBody }, config: write }, async (request, reply) => {
    const principal = request.principal!;
    const createdBy = principal.kind === 'user' ? `user:${principal.id}` : principal.kind === 'key' ? `key:${principal.id}` : `cli:${principal.name}`;
    const dashboard = await dashboards.create(request.body, principal.access, createdBy);
    await request.audit('dashboard.create', { target: `dashboard:${dashboard.id}`, details: { panels: dashboard.panels.length } });
    return reply.code(201).send(dashboard);
  });
  app.get<{ Params: IdParams }>('/v1/dashboards/:id', { schema: { params: IdParams }, config: read }, async (request) =>
    dashboards.get(request.params.id, request.principal!.access),
  );
  app.put<{ Params: IdParams; Body: DashboardBody }>(
    '/v1/dashboards/:id',
    { schema: { params: IdParams, body: DashboardBody }, config: write },
    async (request) => {
      const dashboard = await dashboards.replace(request.params.id, request.body, request.principal!.access);
      await request.audit('dashboard.update', { target: `dashboard:${dashboard.id}`, details: { panels: dashboard.panels.length } });
      return dashboard;
    },
  );
  app.delete<{ Params: IdParams }>('/v1/dashboards/:id', { schema: { params: IdParams }, config: write }, async (request, reply) => {
    await dashboards.remove(request.params.id);
    await request.audit('dashboard.delete', { target: `dashboard:${request.params.id}` });
    return reply.code(204).send();
  });
  app.get<{ Params: IdParams; Querystring: ViewQuerystring }>(
    '/v1/dashboards/:id/data',
    { schema: { params: IdParams, querystring: DataQuerystring }, config: { ...read, rateGroup: 'query' } },
    async (request) => {
      const access = request.principal!.access;
      // Panels run with the caller's rights: a panel over a source they may not read answers its own 403.
      return dashboards.data(request.params.id, parseViewQuerystring(request.query), access);
    },
  );
}
