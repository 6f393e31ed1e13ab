import type { FastifyInstance } from 'fastify';
import type { CatalogService } from './service.js';

interface NameParams {
  name: string;
}

export function registerCatalogRoutes(app: FastifyInstance, deps: { catalog: CatalogService }): void {
  const { catalog } = deps;
  app.get('/v1/metrics', async () => ({ metrics: await catalog.list() }));
  app.get<{ Params: NameParams }>('/v1/metrics/:name', async (request) => catalog.get(request.params.name));
  app.put<{ Params: NameParams }>('/v1/metrics/:name', async (request, reply) => {
    const { created, metric } = await catalog.put(request.params.name, request.body);
    return reply.code(created ? 201 : 200).send(metric);
  });
  app.delete<{ Params: NameParams }>('/v1/metrics/:name', async (request, reply) => {
    await catalog.remove(request.params.name);
    return reply.code(204).send();
  });
}
