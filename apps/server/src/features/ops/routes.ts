import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.js';
import type { Telemetry } from '../../observability/telemetry.js';
import type { EventStore } from '../../store/types.js';

export function registerOpsRoutes(app: FastifyInstance, deps: { store: EventStore; telemetry: Telemetry }): void {
  const { store, telemetry } = deps;
  app.get('/health', { config: { permission: 'public' } }, async () => ({ status: 'ok' }));
  app.get('/ready', { config: { permission: 'public' } }, async (request) => {
    try {
      await store.ping();
    } catch (error) {
      request.log.warn({ err: error }, 'store not reachable');
      throw new AppError('not_ready', { detail: 'The event store is not reachable' });
    }
    return { status: 'ready' };
  });
  app.get('/metrics', { config: { permission: 'metrics:scrape' } }, async (_request, reply) => {
    reply.type(telemetry.registry.contentType);
    return telemetry.registry.metrics();
  });
}
