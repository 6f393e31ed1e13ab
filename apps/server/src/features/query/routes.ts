import type { FastifyInstance } from 'fastify';
import type { QueryService } from './service.js';

export function registerQueryRoutes(app: FastifyInstance, deps: { query: QueryService }): void {
  app.post('/v1/query', { config: { permission: 'events:read', rateGroup: 'query' } }, async (request) =>
    deps.query.run(request.body, request.principal?.access),
  );
}
