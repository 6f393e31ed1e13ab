import { KpiBody } from '@sightline/protocol';
import type { FastifyInstance } from 'fastify';
import type { KpiService } from './kpis.js';
import type { CatalogService } from './service.js';

interface NameParams {
  name: string;
}

export function registerCatalogRoutes(app: FastifyInstance, deps: { catalog: CatalogService; kpis: KpiService }): void {
  const { catalog, kpis } = deps;
  const read = { config: { permission: 'catalog:read' } } as const;
  const write = { config: { permission: 'catalog:write' } } as const;
  app.get('/v1/metrics', read, async () => ({ metrics: await catalog.list() }));
  app.get<{ Params: NameParams }>('/v1/metrics/:name', read, async (request) => catalog.get(request.params.name));
  app.put<{ Params: NameParams }>('/v1/metrics/:name', write, async (request, reply) => {
    const { created, metric } = await catalog.put(request.params.name, request.body);
    await request.audit(created ? 'metric.create' : 'metric.update', { target: `metric:${metric.name}` });
    return reply.code(created ? 201 : 200).send(metric);
  });
  app.delete<{ Params: NameParams }>('/v1/metrics/:name', write, async (request, reply) => {
    await catalog.remove(request.params.name);
    await request.audit('metric.delete', { target: `metric:${request.params.name}` });
    return reply.code(204).send();
  });

  app.get('/v1/kpis', read, async () => ({ kpis: await kpis.list() }));
  app.get<{ Params: NameParams }>('/v1/kpis/:name', read, async (request) => kpis.get(request.params.name));
  app.put<{ Params: NameParams; Body: KpiBody }>('/v1/kpis/:name', { ...write, schema: { body: KpiBody } }, async (request, reply) => {
    const { created, kpi } = await kpis.put(request.params.name, request.body);
    await request.audit(created ? 'kpi.create' : 'kpi.update', { target: `kpi:${kpi.name}` });
    return reply.code(created ? 201 : 200).send(kpi);
  });
  app.delete<{ Params: NameParams }>('/v1/kpis/:name', write, async (request, reply) => {
    await kpis.remove(request.params.name);
    await request.audit('kpi.delete', { target: `kpi:${request.params.name}` });
    return reply.code(204).send();
  });
}
